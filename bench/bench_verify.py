"""Benchmark: `custody verify` on 1,000,000 media and ~5.9 million events (#12).

    .venv/bin/python bench/bench_verify.py [--media N] [--keep DIR] [--reuse]

Builds the ledger of bench/bench_reports.py (bulk inserts of simulated journeys), then
makes it a ledger `verify` accepts: every event's hash computed with the project's own
`event_hash`, chained in recording order, the chain head set, and the projection rebuilt
from the events (`Ledger.rebuild_projection`). Then times `custody verify` in a child
process: wall time and peak resident memory. Target: under 30 s.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reports import measure, write_ledger  # noqa: E402
from ledger.api import Ledger  # noqa: E402
from ledger.clock import from_text  # noqa: E402
from ledger.events import GENESIS, Event, detail_text, event_hash  # noqa: E402

TARGET_SECONDS = 30.0


def chain(path: Path) -> int:
    """Compute every event's hash in recording order and set the chain head; returns events."""
    import json

    db = sqlite3.connect(path, isolation_level=None)
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ).fetchall()
    db.execute("BEGIN IMMEDIATE")
    for name, _sql in triggers:
        db.execute(f"DROP TRIGGER {name}")
    update = "UPDATE events SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?"
    prev, count, batch = GENESIS, 0, []
    rows = db.execute(
        "SELECT seq, event_id, media_id, action, at, recorded_at, site, operator, detail "
        "FROM events ORDER BY seq"
    ).fetchall()
    for seq, event_id, media_id, action, at, recorded_at, site, operator, detail in rows:
        event = Event(
            event_id=event_id,
            media_id=media_id,
            action=action,
            at=from_text(at),
            recorded_at=from_text(recorded_at),
            site=site,
            operator=operator,
            detail=json.loads(detail),
        )
        canonical_detail = detail_text(event.detail)
        digest = event_hash(event, prev, canonical_detail)
        batch.append((canonical_detail, prev, digest, seq))
        prev, count = digest, count + 1
        if len(batch) >= 100_000:
            db.executemany(
                "UPDATE events SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?", batch
            )
            batch = []
    db.executemany(update, batch)
    db.execute("UPDATE chain_head SET count = ?, hash = ? WHERE id = 1", (count, prev))
    for _name, sql in triggers:
        db.execute(sql)
    db.execute("COMMIT")
    db.close()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--transfers", type=int, default=150_000)
    parser.add_argument("--keep", type=Path, help="Build the ledger here and keep it.")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="Time verify on the --keep ledger.")
    opts = parser.parse_args()
    folder = opts.keep or Path(tempfile.mkdtemp(prefix="custody-bench-verify-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if not (opts.reuse and path.exists()):
        print(f"generating {opts.media:,} media into {path} ...", flush=True)
        made = write_ledger(path, opts.media, opts.transfers, opts.seed)
        print(f"  {made['events']:,} events in {made['generate_s']:.1f} s", flush=True)
        t = time.perf_counter()
        events = chain(path)
        print(f"  chained {events:,} events in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        ledger = Ledger.open(str(path))
        media = ledger.rebuild_projection()
        ledger.engine.dispose()
        print(f"  projection of {media:,} media rebuilt in {time.perf_counter() - t:.1f} s")
    custody = str(Path(sys.executable).with_name("custody"))
    load = os.getloadavg()[0]
    read_s, read_cpu, _, _ = measure([sys.executable, __file__, "--read-only-baseline", str(path)])
    print(
        f"baseline: reading every event once (sqlite3, one process, no checks): {read_s:.1f} s "
        f"wall, {read_cpu:.1f} s CPU"
    )
    seconds, cpu, peak, code = measure([custody, "--db", str(path), "verify"])
    verdict = "ok" if code == 0 and seconds < TARGET_SECONDS else "OVER TARGET or FAILED"
    print(
        f"custody verify: {seconds:.1f} s wall, {cpu:.1f} s CPU (with its workers), peak "
        f"{peak / 1024**2:.0f} MB per process, exit {code} (target {TARGET_SECONDS:.0f} s) "
        f"{verdict}; {seconds / read_s:.1f}x the baseline's wall time, {cpu / read_cpu:.1f}x "
        f"its CPU; load average {load:.1f} on {os.cpu_count()} CPUs when it started"
    )
    return 0 if code == 0 else 1


def read_every_event(path: Path) -> None:
    """The baseline: every event's columns read into Python once, in recording order."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cursor = db.execute(
        "SELECT seq, event_id, media_id, action, at, recorded_at, site, operator, detail, "
        "prev_hash, hash FROM events ORDER BY seq"
    )
    while cursor.fetchmany(20_000):
        pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["--read-only-baseline"]:
        read_every_event(Path(sys.argv[2]))
        raise SystemExit(0)
    raise SystemExit(main())
