"""`kill -9` in the middle of a bulk registration leaves all of it or none of it (#12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.api import Ledger
from tests.reports.conftest import synthetic_nhs

CUSTODY = str(Path(sys.executable).parent / "custody")
ROWS = 30_000


@pytest.mark.slow
def test_kill_9_during_bulk_registration_is_all_or_nothing(db_path: Path, tmp_path: Path) -> None:
    csv = tmp_path / "backfill.csv"
    lines = ["nhs_number,destination"] + [f"{synthetic_nhs(n * 7)},RXH" for n in range(ROWS)]
    csv.write_text("\n".join(lines) + "\n")
    wal = db_path.with_name(db_path.name + "-wal")
    start = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen(
        [CUSTODY, "--db", str(db_path), "register", "--from-csv", str(csv)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it once the transaction has written pages to the log, but before it has ended.
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > start + 4 * 1024 * 1024:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the registration ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    ledger = Ledger.open(str(db_path))
    media = len(ledger.list_media())
    assert ledger.verify_chain().events == media
    assert media == 0  # killed before the commit: nothing, and the ledger still verifies
    # The same file again registers every row: nothing was half done.
    done = subprocess.run(
        [CUSTODY, "--db", str(db_path), "register", "--from-csv", str(csv)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(ledger.list_media()) == ROWS == ledger.verify_chain().events
