"""PostgreSQL: 8 concurrent stations, commit per scan, next to pgbench on the same server.

    .venv/bin/python bench/bench_pg.py [--seconds 10] [--stations 8]

Makes two temporary databases on the server named by CUSTODY_BENCH_PG (default
postgresql+psycopg://postgres@127.0.0.1:5432/test) and drops them afterwards.
Prints sustained scans per second and latency percentiles, pgbench's simple
write (-N) figures from the same run, and the ratio. Aim: >= 500 scans/s, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.api import Ledger
from ledger.rules import Registration

SERVER = os.environ.get("CUSTODY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each medium goes through the whole receiving side: four scans, each its own transaction.
LIFE = (("dispatch", "RGT"), ("receive", "RXH"), ("to-pacs", "RXH"), ("imported", "RXH"))
AIM_SCANS_PER_S = 500
AIM_P99_MS = 50.0


class StationRun(NamedTuple):
    """What one station did: its scan latencies in seconds, and when it started and stopped."""

    latencies: list[float]
    started: float
    stopped: float


@contextmanager
def temporary_database(prefix: str) -> Iterator[sa.URL]:
    """A new database on the bench server, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(SERVER).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _station(url: str, media: list[str], seconds: float, start: Any, out: Any, i: int) -> None:
    """Scan this station's media through their lives until the time is up."""
    ledger = Ledger.open(url)
    latencies = []
    with ledger.session():
        start.wait(timeout=120)
        began = time.perf_counter()
        deadline = began + seconds
        for media_id in media:
            for action, site in LIFE:
                t = time.perf_counter()
                result = ledger.scan(action, media_id, site=site, operator=f"station{i}")
                latencies.append(time.perf_counter() - t)
                if result.outcome != "recorded":
                    raise SystemExit(f"{media_id} {action}: {result.outcome} {result.reason}")
            if time.perf_counter() >= deadline:
                break
        else:
            raise SystemExit("station ran out of media before the time was up")
    out.put((i, StationRun(latencies, began, time.perf_counter())))


def bench_custody(stations: int, seconds: float) -> dict[str, float]:
    """Sustained scans/s and latency percentiles of `stations` concurrent station processes."""
    with temporary_database("custody_bench") as url:
        target = url.render_as_string(hide_password=False)
        ledger = Ledger.create(target, "RGT", "Bench Trust")
        ledger.add_org("RXH", "Partner")
        per_station = int(seconds * 1500 / len(LIFE) / stations) + 50
        regs = [Registration(nhs_number="9037763960", destination="RXH")] * (per_station * stations)
        media = [s.media_id for s in ledger.register_many(regs, operator="bench")]
        ledger.engine.dispose()  # stations are forked: they must not share its connections
        ctx = mp.get_context("fork")
        start, out = ctx.Barrier(stations), ctx.Queue()
        procs = [
            ctx.Process(
                target=_station,
                args=(target, media[i::stations], seconds, start, out, i),
            )
            for i in range(stations)
        ]
        for p in procs:
            p.start()
        runs = [out.get(timeout=seconds + 120)[1] for _ in procs]
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise SystemExit(f"a station failed (exit {p.exitcode})")
        verified = Ledger.open(target).verify_chain()
    latencies = sorted(x for r in runs for x in r.latencies)
    wall = max(r.stopped for r in runs) - min(r.started for r in runs)
    expected_events = len(media) + len(latencies)
    if verified.events != expected_events:
        raise SystemExit(f"verify counted {verified.events} events, expected {expected_events}")
    return {
        "scans": len(latencies),
        "seconds": wall,
        "per_s": len(latencies) / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "max_ms": 1000 * latencies[-1],
        "mean_ms": 1000 * statistics.fmean(latencies),
    }


def bench_pgbench(clients: int, seconds: float) -> dict[str, float]:
    """pgbench's simple write (-N) on its own temporary database."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise SystemExit(
            "pgbench is not installed (Debian: postgresql-contrib or postgresql-client)"
        )
    with temporary_database("custody_pgbench") as url:
        conn = [
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
        ]
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        subprocess.run(
            [pgbench, *conn, "-i", "-q", url.database or ""],
            check=True,
            capture_output=True,
            env=env,
        )
        run = subprocess.run(
            [
                pgbench,
                *conn,
                "-N",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(int(seconds)),
                url.database or "",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    tps = re.search(r"tps = ([0-9.]+)", run.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    if tps is None or latency is None:
        raise SystemExit(f"cannot read pgbench's output:\n{run.stdout}")
    return {"tps": float(tps.group(1)), "latency_ms": float(latency.group(1))}


def main() -> None:
    """Run both benchmarks and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stations", type=int, default=8)
    args = parser.parse_args()
    print(f"custody: {args.stations} station processes, commit per scan, {args.seconds:g} s ...")
    ours = bench_custody(args.stations, args.seconds)
    print(f"pgbench -N -c {args.stations} -j 2 -T {int(args.seconds)} ...")
    base = bench_pgbench(args.stations, args.seconds)
    print()
    print(
        f"custody  {ours['per_s']:8.0f} scans/s   {ours['scans']:.0f} scans in "
        f"{ours['seconds']:.1f} s; latency p50 {ours['p50_ms']:.1f} ms, "
        f"p99 {ours['p99_ms']:.1f} ms, max {ours['max_ms']:.1f} ms; verify passed"
    )
    print(
        f"pgbench  {base['tps']:8.0f} tps       simple write (-N), "
        f"latency average {base['latency_ms']:.1f} ms"
    )
    print(f"ratio    {ours['per_s'] / base['tps']:8.2f} scans per pgbench transaction")
    meets = ours["per_s"] >= AIM_SCANS_PER_S and ours["p99_ms"] < AIM_P99_MS
    print(
        f"aim      >= {AIM_SCANS_PER_S} scans/s with p99 < {AIM_P99_MS:.0f} ms: "
        f"{'met' if meets else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
