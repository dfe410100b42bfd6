"""A small ledger and the environment a station runs in, for every station test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

from ledger.api import Ledger, Registration
from tests.conftest import NHS_NUMBERS

CUSTODY = [str(Path(sys.executable).parent / "custody")]
NHS = list(NHS_NUMBERS[5:9])


class Site(NamedTuple):
    """A ledger with media to scan, and the environment for `custody` run against it."""

    db: Path
    env: dict[str, str]
    media: list[str]
    journal: Path


def make_ledger(db: Path) -> list[str]:
    """A ledger at RGT with partners RGN and RM1, and four media for RGN; their IDs."""
    ledger = Ledger.create(str(db), "RGT", "Cambridge University Hospitals")
    ledger.add_org("RGN", "North West Anglia")
    ledger.add_org("RM1", "Norfolk and Norwich")
    return [
        ledger.register(Registration(nhs_number=n, destination="RGN"), operator="admin").media_id
        for n in NHS
    ]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """A fresh ledger and an environment pointing every station setting into tmp_path."""
    db = tmp_path / "ledger.db"
    media = make_ledger(db)
    env = {
        **os.environ,
        "CUSTODY_DB": str(db),
        "CUSTODY_STATION_CONFIG": str(tmp_path / "station.toml"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "CUSTODY_OPERATOR": "post.room1",
    }
    return Site(db, env, media, tmp_path / "data" / "custody" / "station-journal.jsonl")


class Run(NamedTuple):
    """What a `custody` command printed, and its exit code."""

    code: int
    out: str
    err: str


def custody(env: dict[str, str], *args: str, stdin: bytes = b"", check: bool = False) -> Run:
    """Run `custody ARGS` as a user would, in a subprocess."""
    proc = subprocess.run([*CUSTODY, *args], input=stdin, env=env, capture_output=True, timeout=60)
    run = Run(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode())
    if check and run.code != 0:
        raise AssertionError(f"custody {' '.join(args)} failed:\n{run.out}{run.err}")
    return run


def statuses(db: Path, media: Sequence[str]) -> dict[str, str]:
    """Each medium's status in the ledger."""
    ledger = Ledger.open(str(db))
    return {m: str(ledger.show(m).state.status) for m in media}
