"""A station and an admin on one SQLite file at the same moment: no "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from ledger.api import Ledger, Registration
from tests.conftest import NHS


def _station(db: str, ids: list[str], out: multiprocessing.Queue) -> None:
    ledger = Ledger.open(db)
    outcomes = [ledger.scan("dispatch", m, operator="post").outcome for m in ids]
    out.put(("station", outcomes))


def _admin(db: str, count: int, out: multiprocessing.Queue) -> None:
    ledger = Ledger.open(db)
    made = [
        ledger.register(Registration(NHS[i % 5], "RXH"), operator="admin").media_id
        for i in range(count)
    ]
    out.put(("admin", made))


def test_station_and_admin_at_once(db_path: Path) -> None:
    ledger = Ledger.open(str(db_path))
    regs = [Registration(NHS[i % 5], "R1K") for i in range(150)]
    ids = [s.media_id for s in ledger.register_many(regs, operator="admin")]
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = ctx.Queue()
    procs = [
        ctx.Process(target=_station, args=(str(db_path), ids[:75], out)),
        ctx.Process(target=_station, args=(str(db_path), ids[75:], out)),
        ctx.Process(target=_admin, args=(str(db_path), 60, out)),
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    scans = [o for who, r in results if who == "station" for o in r]
    assert scans == ["recorded"] * 150
    assert sum(len(r) for who, r in results if who == "admin") == 60
    assert ledger.verify_chain().events == 150 + 150 + 60
    assert len(ledger.list_media(status="dispatched")) == 150
