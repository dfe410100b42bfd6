"""A ledger this account can only read: reading works, writing says so in one line (#12).

A read-only bind mount (a mount namespace of the test's own) stands for an archive copy or a
read-only share: permissions alone do not stop root, and tests may run as root.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.api import Ledger
from ledger.errors import LedgerBusy
from tests.conftest import NHS

UNSHARE = ["unshare", "--mount"] + (["--map-root-user"] if __import__("os").getuid() else [])
ROOT = Path(__file__).resolve().parents[2]
# The commands run in a process of their own, inside the mount namespace where the read-only
# mount exists, through the tests' one runner.
RUN = """
import json, sys
from tests.cli_helpers import custody
db, commands = sys.argv[1], json.loads(sys.argv[2])
results = []
for args in commands:
    r = custody(db, *args)
    results.append([r.exit_code, r.stdout, r.stderr])
print(json.dumps(results))
"""


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*UNSHARE, "sh", "-c", "mount --bind -o ro / /mnt"], check=False)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="no mount namespace for a test")


def run_read_only(mounted: Path, db: Path, commands: list[list[str]]) -> list[Any]:
    """Run custody commands in-process, in a namespace where `mounted` is read-only."""
    script = f'mount --bind -o ro "{mounted}" "{mounted}" && exec "$@"'
    done = subprocess.run(
        [*UNSHARE, "sh", "-c", script, "sh", sys.executable, "-c", RUN, str(db),
         json.dumps(commands)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    return list(json.loads(done.stdout))


def refused(db: Path) -> list[Any]:
    message = (
        f"error: the ledger {db} is read-only (this account cannot write it or its folder): "
        "nothing was recorded\n"
    )
    return [1, "", message]


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """A ledger in a folder of its own, with one medium registered for RXH."""
    folder = tmp_path / "archive"
    folder.mkdir()
    ledger = Ledger.create(str(folder / "ledger.db"), "RGT", "Cambridge")
    ledger.add_org("RXH", "Brighton")
    from ledger.rules import Registration

    ledger.register(Registration(nhs_number=NHS[0], destination="RXH"), operator="admin")
    ledger.engine.dispose()
    return folder / "ledger.db"


READS = [
    ["verify"],
    ["list"],
    ["show", "RGT00000001E"],
    ["report", "unreconciled", "--format", "csv"],
    ["report", "monthly"],
]


@pytest.mark.slow
@needs_mount
@pytest.mark.parametrize("what", ["folder", "file"])
def test_reads_work_and_writes_say_read_only(archived: Path, tmp_path: Path, what: str) -> None:
    label = tmp_path / "labels.pdf"
    writes = [
        ["scan", "dispatch", "RGT00000001E"],
        ["register", "--to", "RXH", "--nhs", NHS[1]],
        ["password-sent", "RGT00000001E", "--via", "email"],
        ["org", "add", "R1K", "--name", "Somewhere"],
        ["label", "RGT00000001E", "-o", str(label)],
    ]
    mounted = archived.parent if what == "folder" else archived
    results = run_read_only(mounted, archived, [*READS, *writes])
    for args, (code, out, err) in zip(READS, results, strict=False):
        assert code == 0 and "error" not in err, (args, out, err)
    assert results[0][1].startswith("verified 1 events\n")
    assert results[len(READS) :] == [refused(archived)] * len(writes)
    assert not label.exists()
    assert Ledger.open(str(archived)).verify_chain().events == 1


def test_label_file_is_taken_back_if_recording_fails(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("register", "--to", "RXH", "--nhs", NHS[0]).exit_code == 0
    out = tmp_path / "labels.pdf"

    def busy(*_args: object, **_kwargs: object) -> None:
        raise LedgerBusy("the ledger is busy")

    monkeypatch.setattr(Ledger, "labelled", busy)
    result = cli("label", "RGT00000001E", "-o", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "error: the ledger is busy\n",
    )
    assert not out.exists()
