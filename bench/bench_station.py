"""Benchmark the scan station: per-code latency through a pipe, and start-up to first prompt.

Run: .venv/bin/python bench/bench_station.py
Targets (issue 5): median < 10 ms and p99 < 50 ms from a code's line read to its result line
written, 2,000 codes with a commit per scan on SQLite; start-up to first prompt < 0.5 s.
"""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import nhs_number

from ledger.api import Ledger, Registration

CUSTODY = str(Path(sys.executable).parent / "custody")
CODES = 2000
STARTS = 7
HEAVY = ("pandas", "PIL", "matplotlib", "openpyxl", "pyzbar", "barcode")


def make_ledger(db: Path) -> list[str]:
    """A ledger with CODES media registered (synthetic NHS numbers); their IDs."""
    ledger = Ledger.create(str(db), "RGT", "Cambridge University Hospitals")
    ledger.add_org("RGN", "North West Anglia")
    numbers = nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=CODES)
    regs = [Registration(nhs_number=n, destination="RGN") for n in numbers]
    return [s.media_id for s in ledger.register_many(regs, operator="bench")]


class PipeRun(NamedTuple):
    """One run of codes through `custody scan dispatch` on a pipe."""

    first: float  # the first code's round trip: it opens the ledger, so it is reported apart
    times: list[float]  # every other code's round trip
    wall: float  # from the first code's result to the last's


def latencies(env: dict[str, str], media: list[str]) -> PipeRun:
    """Drive `custody scan dispatch` one code at a time: write a line, time until its result."""
    proc = subprocess.Popen(
        [CUSTODY, "scan", "dispatch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    times = []
    first = started = 0.0
    for i, code in enumerate(media):
        start = time.perf_counter()
        proc.stdin.write(code.encode() + b"\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        if not line.startswith(b"OK "):
            raise SystemExit(f"station: unexpected result for {code}: {line!r}")
        if i == 0:
            first, started = elapsed, start + elapsed
        else:
            times.append(elapsed)
    wall = time.perf_counter() - started
    proc.stdin.close()
    proc.wait(timeout=60)
    return PipeRun(first, times, wall)


def start_up(env: dict[str, str], *, then_ready: bool = False) -> tuple[float, str]:
    """Seconds from starting `custody scan receive` on a terminal to its prompt; what it printed.

    With `then_ready`, it also waits until the ledger is open before ending the station.
    """
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CUSTODY, [CUSTODY, "scan", "receive"], env)
    start = time.perf_counter()
    seen = b""
    while "scan ▸".encode() not in seen:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            raise SystemExit(f"no prompt within 10 s; the station printed {seen[-500:]!r}")
        seen += os.read(fd, 65536)
    elapsed = time.perf_counter() - start
    while then_ready and b"ready: scan a code" not in seen:
        if not select.select([fd], [], [], 10)[0]:
            raise SystemExit("the station never opened the ledger")
        seen += os.read(fd, 65536)
    os.write(fd, b"\x04")
    try:
        while chunk := os.read(fd, 65536):
            seen += chunk
    except OSError:
        pass  # the terminal closed when the station ended
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed, seen.decode(errors="replace")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        media = make_ledger(db)
        env = {
            **os.environ,
            "CUSTODY_DB": str(db),
            "CUSTODY_STATION_CONFIG": str(Path(tmp) / "station.toml"),
            "XDG_DATA_HOME": tmp,
            "CUSTODY_OPERATOR": "bench",
        }
        first, times, _ = latencies(env, media)
        ms = sorted(t * 1000 for t in times)
        median = statistics.median(ms)
        p99 = ms[int(len(ms) * 0.99) - 1]
        print(f"station from a pipe, {CODES:,} codes, commit per scan, SQLite:")
        print(
            f"  median {median:.2f} ms (target < 10), p99 {p99:.2f} ms (target < 50), "
            f"max {ms[-1]:.1f} ms"
        )
        print(f"  first code, including opening the ledger: {first * 1000:.0f} ms")

        starts = sorted(start_up(env)[0] for _ in range(STARTS))
        print(f"station start-up to first prompt on a terminal ({STARTS} runs):")
        print(
            f"  median {statistics.median(starts):.3f} s (target < 0.5), "
            f"best {starts[0]:.3f} s, worst {starts[-1]:.3f} s"
        )
        _, trace = start_up({**env, "PYTHONPROFILEIMPORTTIME": "1"}, then_ready=True)
        if "| sqlalchemy" not in trace:
            raise SystemExit("the import trace does not show the ledger being opened")
        heavy = sorted(
            {m for m in HEAVY if f"| {m}\r" in trace or f"| {m}\n" in trace or f" {m}." in trace}
        )
        print(f"  heavy modules imported by the station: {', '.join(heavy) or 'none'}")
        ok = median < 10 and p99 < 50 and statistics.median(starts) < 0.5 and not heavy
        print("all targets met" if ok else "TARGET MISSED")


if __name__ == "__main__":
    main()
