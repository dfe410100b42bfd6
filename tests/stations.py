"""Several scanning stations, each its own process, released at the same moment.

Processes are forked from the test process, which has imported the ledger
already, so eight of them start in milliseconds rather than seconds.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

from ledger.api import Ledger

Scan = tuple[str, str, str]  # action, media ID, site


def _station(url: str, plan: list[Scan], start: Any, out: Any, index: int) -> None:
    """One station: open the ledger, wait for the others, scan, report each outcome."""
    ledger = Ledger.open(url)
    results = []
    with ledger.session():
        start.wait(timeout=60)
        for action, media_id, site in plan:
            began = time.perf_counter()
            r = ledger.scan(action, media_id, site=site, operator=f"station{index}")
            results.append((action, media_id, r.outcome, time.perf_counter() - began))
    out.put((index, results))


def run_stations(url: str, plans: list[list[Scan]]) -> list[list[tuple[str, str, str, float]]]:
    """Each plan in its own process, all starting together; their results in plan order."""
    ctx = mp.get_context("fork")
    start, out = ctx.Barrier(len(plans)), ctx.Queue()
    procs = [
        ctx.Process(target=_station, args=(url, plan, start, out, i))
        for i, plan in enumerate(plans)
    ]
    for p in procs:
        p.start()
    try:
        collected = dict(out.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(timeout=30)
            assert p.exitcode == 0, f"station exited with {p.exitcode}"
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    return [collected[i] for i in range(len(plans))]
