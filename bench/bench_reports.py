"""Benchmark: `report unreconciled` and `report monthly` on 1,000,000 media (~5.8M events).

    .venv/bin/python bench/bench_reports.py [--media N] [--keep DIR]

Generates the ledger with bulk inserts straight into SQLite (bypassing the
API for speed): events and the `media` projection are written from the same
simulated journeys, and a sample of media is re-folded through the ledger's
own `fold` to prove the projection rows are what the API would have written.
Event hashes are NOT computed (every hash is zeros): the reports never read
them, and `custody verify` on this ledger fails by design.

Each report then runs as `custody` in a child process; the figures are wall
time and the child's peak resident memory (getrusage maxrss). Targets: each
under 10 s and under 3 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger import store  # noqa: E402
from ledger.api import Ledger  # noqa: E402
from ledger.clock import LONDON, utcnow  # noqa: E402
from ledger.ids import make_media_id, serial_is_usable  # noqa: E402
from ledger.transitions import fold  # noqa: E402

HOME = "RGT"
PARTNERS = ["RGN", "RM1", "RQW", "RJ1", "RRV", "RAL"]
ACTIONS = [
    "register",
    "password-sent",
    "dispatch",
    "receive",
    "to-pacs",
    "imported",
    "import-failed",
    "lost",
    "returned",
    "transfer",
    "ir1-filed",
]
A = {name: i for i, name in enumerate(ACTIONS)}
MONTHS = 36
TARGET_SECONDS, TARGET_BYTES = 10.0, 3 * 1024**3
DAY = 86400


def nhs_numbers(n: int) -> list[str]:
    """Valid synthetic NHS numbers (999 range, Modulus 11), vectorised."""
    base = 999_000_000 + (np.arange(n) * 7919) % 1_000_000
    for _ in range(3):
        digits = np.stack([(base // 10**k) % 10 for k in range(8, -1, -1)], axis=1)
        check = 11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
        check = np.where(check == 11, 0, check)
        bad = check == 10
        if not bad.any():
            break
        base = np.where(bad, base + 1, base)
    return [f"{b}{c}" for b, c in zip(base.tolist(), check.tolist(), strict=True)]


def text_times(seconds: np.ndarray) -> list[str]:
    """Epoch seconds as the ledger's stored time text (UTC, microseconds, Z)."""
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]").astype("datetime64[us]"), "us")
    return [s + "Z" for s in stamps.tolist()]


def simulate(n: int, now: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each medium's journey as arrays of step times (NaN-free: -1 where the step never came)."""
    span = MONTHS * 30 * DAY
    reg = np.sort(now - rng.uniform(2 * 3600, span, n)).astype(np.int64)
    never = np.int64(-1)
    j: dict[str, np.ndarray] = {"register": reg}
    roll = rng.random(n)
    j["encrypted"] = roll >= 0.065
    j["exception"] = np.select(
        [roll < 0.03, roll < 0.05, roll < 0.06], [1, 2, 3], 0
    )  # 0 none, else EXCEPTIONS index; 0.06-0.065 unencrypted with none
    j["urgent"] = rng.random(n) < 0.08
    j["dest"] = rng.integers(0, len(PARTNERS), n)
    j["kind"] = rng.choice(3, n, p=[0.85, 0.10, 0.05])
    pw_roll = rng.random(n)
    has_pw = j["encrypted"] & (pw_roll < 0.96)
    j["pw_via"] = np.where(pw_roll < 0.90, 0, np.where(pw_roll < 0.93, 1, 2))  # email/letter/enc
    j["password"] = np.where(has_pw, reg + rng.integers(300, 5400, n), never)
    fate = rng.random(n)

    def step(prev: np.ndarray, lo: float, hi: float, ok: np.ndarray) -> np.ndarray:
        # At least a second after the step before: a tie would let the fold order them otherwise.
        t = prev + 1 + (rng.uniform(lo, hi, n) * DAY).astype(np.int64)
        return np.where(ok & (prev >= 0) & (t < now - 3600), t, never)

    skip_dispatch = fate < 0.01  # arrives with no dispatch scan: a sequence anomaly
    j["dispatch"] = step(reg, 0.05, 2, ~skip_dispatch)
    j["lost"] = step(j["dispatch"], 8, 15, (fate >= 0.01) & (fate < 0.03))
    in_post = (fate >= 0.03) & (fate < 0.045)
    moving = fate >= 0.045
    j["misdelivered"] = (fate >= 0.045) & (fate < 0.055)
    j["receive"] = np.where(
        skip_dispatch, step(reg, 2, 5, skip_dispatch), step(j["dispatch"], 1, 5, moving)
    )
    j["returned"] = step(j["receive"], 1, 3, j["misdelivered"])
    onward = (fate >= 0.055) & (fate < 0.07) | (fate >= 0.075) | skip_dispatch
    j["to-pacs"] = step(j["receive"], 0, 3, onward & ~j["misdelivered"])
    failed = (fate >= 0.075) & (fate < 0.1)
    j["import-failed"] = step(j["to-pacs"], 0, 2, failed)
    after = np.where(j["import-failed"] >= 0, j["import-failed"], j["to-pacs"])
    j["imported"] = step(after, 0, 3, (fate >= 0.09) & ~j["misdelivered"])
    del in_post
    return j


def write_ledger(path: Path, n: int, transfers: int, seed: int) -> dict[str, float]:
    """Create the ledger with the API (replacing any at `path`), then bulk-insert events and
    projection with sqlite3."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    t0 = time.perf_counter()
    now_dt = utcnow().replace(microsecond=0)
    now = int(now_dt.timestamp())
    ledger = Ledger.create(str(path), HOME, "Cambridge University Hospitals NHS FT")
    for code in PARTNERS:
        ledger.add_org(code, f"Partner trust {code}")
    ledger.engine.dispose()
    rng = np.random.default_rng(seed)
    j = simulate(n, now, rng)

    ids, serial = [], 0
    for _ in range(n):
        serial += 1
        while not serial_is_usable(HOME, serial):
            serial += 1
        ids.append(str(make_media_id(HOME, serial)))
    t_ids = serial
    transfer_ids = []
    for _ in range(transfers):
        t_ids += 1
        while not serial_is_usable(HOME, t_ids):
            t_ids += 1
        transfer_ids.append(str(make_media_id(HOME, t_ids)))
    nhs = nhs_numbers(n)

    # Every event as (time, medium or transfer index, action code), sorted into chain order.
    steps = (
        "register",
        "password",
        "dispatch",
        "receive",
        "to-pacs",
        "import-failed",
        "imported",
        "lost",
        "returned",
    )
    columns = [(j[a], np.arange(n), A["password-sent" if a == "password" else a]) for a in steps]
    t_times = np.sort(now - rng.uniform(3600, 12 * 30 * DAY, transfers)).astype(np.int64)
    t_dest = rng.integers(0, len(PARTNERS), transfers)
    t_route = rng.choice(4, transfers, p=[0.6, 0.25, 0.1, 0.05])
    lost_idx = np.flatnonzero(j["lost"] >= 0)[::2]  # an IR1 filed for every other loss
    times_all = np.concatenate([c[0] for c in columns] + [t_times, j["lost"][lost_idx] + DAY])
    who = np.concatenate([c[1] for c in columns] + [n + np.arange(transfers), lost_idx])
    what = np.concatenate(
        [np.full(n, c[2], np.int8) for c in columns]
        + [
            np.full(transfers, A["transfer"], np.int8),
            np.full(len(lost_idx), A["ir1-filed"], np.int8),
        ]
    )
    keep = (times_all >= 0) & (times_all < now)
    order = np.argsort(times_all[keep], kind="stable")
    ev_t, ev_who, ev_what = times_all[keep][order], who[keep][order], what[keep][order]
    total = len(ev_t)

    kinds = ["cd", "dvd", "usb"]
    exceptions = [None, "urgent-clinical", "patient-handover", "secure-with-notes"]
    vias = ["email", "letter", "enclosed"]
    routes = ["iep", "dicom-push", "nhsmail", "web-link"]

    def detail(i: int, action: int) -> str:
        if action == A["register"]:
            d: dict[str, object] = {
                "issuer": HOME,
                "nhs_number": nhs[i],
                "destination": PARTNERS[j["dest"][i]],
                "kind": kinds[j["kind"][i]],
                "urgent": bool(j["urgent"][i]),
                "encrypted": bool(j["encrypted"][i]),
                "accession": f"RGT{i:08d}",
                "study_uid": f"1.2.826.0.1.3680043.10.1082.{i}",
            }
            if exceptions[j["exception"][i]]:
                d["exception"] = {
                    "code": exceptions[j["exception"][i]],
                    "approved_by": "Dr H. Clarke",
                    "reason": "bench",
                }
            return json.dumps(d, sort_keys=True, separators=(",", ":"))
        if action == A["password-sent"]:
            return '{"via":"' + vias[j["pw_via"][i]] + '"}'
        if action == A["transfer"]:
            k = i - n
            return json.dumps(
                {"destination": PARTNERS[t_dest[k]], "issuer": HOME, "route": routes[t_route[k]]},
                sort_keys=True,
                separators=(",", ":"),
            )
        if action == A["ir1-filed"]:
            return '{"reason":"lost","ref":"W' + str(i) + '"}'
        return "{}"

    def site(i: int, action: int) -> str:
        if i >= n or action in (
            A["register"],
            A["password-sent"],
            A["dispatch"],
            A["lost"],
            A["ir1-filed"],
        ):
            return HOME
        dest = j["dest"][i]
        if j["misdelivered"][i]:
            dest = (dest + 1) % len(PARTNERS)
        return PARTNERS[dest]

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name IN "
        "('events','media') AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX {name}")
    zeros = "0" * 64
    db.execute("BEGIN")
    chunk = 250_000
    for start in range(0, total, chunk):
        sl = slice(start, start + chunk)
        stamps = text_times(ev_t[sl])
        rows = []
        for k, (i, a, at) in enumerate(
            zip(ev_who[sl].tolist(), ev_what[sl].tolist(), stamps, strict=True)
        ):
            seq = start + k + 1
            mid = ids[i] if i < n else transfer_ids[i - n]
            rows.append(
                (
                    seq,
                    f"{seq:08x}-0000-4000-8000-{seq:012x}",
                    mid,
                    ACTIONS[a],
                    at,
                    at,
                    site(i, a),
                    "bench",
                    detail(i, a),
                    zeros,
                    zeros,
                )
            )
        db.executemany(
            "INSERT INTO events (seq, event_id, media_id, action, at, recorded_at, "
            "site, operator, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    t_events = time.perf_counter()

    # The projection, from the same journeys: the latest step is the status.
    order_steps = [
        "register",
        "dispatch",
        "receive",
        "to-pacs",
        "import-failed",
        "imported",
        "lost",
        "returned",
    ]
    status_names = [
        "registered",
        "dispatched",
        "received",
        "with-pacs",
        "import-failed",
        "imported",
        "lost",
        "returned",
    ]
    step_times = np.stack([j[s] for s in order_steps], axis=1)
    last = step_times.argmax(axis=1)
    stamp = {s: text_times(np.maximum(j[s], 0)) for s in [*order_steps, "password"]}
    cols = [c.name for c in store.MEDIA.columns]
    anomaly_text = "receive while registered: no dispatch recorded"
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(start + chunk, n)):

            def at(s: str) -> str | None:
                return stamp[s][i] if j[s][i] >= 0 else None  # noqa: B023

            dest = PARTNERS[j["dest"][i]]
            received_site = None
            if j["receive"][i] >= 0:
                received_site = PARTNERS[(j["dest"][i] + 1) % 6] if j["misdelivered"][i] else dest
            skipped = j["dispatch"][i] < 0 and j["receive"][i] >= 0
            row = {
                "media_id": ids[i],
                "registered": True,
                "issuer": HOME,
                "destination": dest,
                "kind": kinds[j["kind"][i]],
                "urgent": bool(j["urgent"][i]),
                "encrypted": bool(j["encrypted"][i]),
                "exception": exceptions[j["exception"][i]],
                "nhs_number": nhs[i],
                "accession": f"RGT{i:08d}",
                "study_uid": f"1.2.826.0.1.3680043.10.1082.{i}",
                "status": status_names[last[i]],
                "status_at": at(order_steps[last[i]]),
                "registered_at": at("register"),
                "dispatched_at": at("dispatch"),
                "received_at": at("receive"),
                "received_site": received_site,
                "to_pacs_at": at("to-pacs"),
                "imported_at": at("imported"),
                "import_failed_at": at("import-failed"),
                "import_partial_at": None,
                "import_check": None,
                "tracking": None,
                "acknowledged_at": None,
                "returned_at": at("returned"),
                "destroyed_at": None,
                "lost_at": at("lost"),
                "password_sent_at": at("password"),
                "password_via": vias[j["pw_via"][i]] if j["password"][i] >= 0 else None,
                "labelled": 0,
                "misdelivered": bool(j["misdelivered"][i]) and received_site is not None,
                "expected": False,
                "unexpected": False,
                "anomalies": 1 if skipped else 0,
                "first_anomaly_at": at("receive") if skipped else None,
                "first_anomaly": anomaly_text if skipped else None,
            }
            rows.append(tuple(row[c] for c in cols))
        db.executemany(
            f"INSERT INTO media ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", rows
        )
    db.execute(
        "UPDATE chain_head SET seq = ?, count = ?, hash = ? WHERE id = 1", (total, total, zeros)
    )
    db.execute("INSERT INTO serials (issuer, last) VALUES (?, ?)", (HOME, t_ids))
    db.execute("COMMIT")
    t_media = time.perf_counter()
    for _name, sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.close()
    t_index = time.perf_counter()
    return {
        "events": total,
        "media": n,
        "transfers": transfers,
        "generate_s": t_events - t0,
        "projection_s": t_media - t_events,
        "index_s": t_index - t_media,
    }


def check_projection(path: Path, sample: int, seed: int) -> int:
    """Re-fold a random sample of media through the ledger's own fold; count mismatches."""
    ledger = Ledger.open(str(path))
    with store.connect(ledger.engine) as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM media").scalar_one()
        picks = random.Random(seed).sample(range(count), min(sample, count))
        bad = 0
        for k in picks:
            row = (
                conn.exec_driver_sql("SELECT * FROM media WHERE rowid = ?", (k + 1,))
                .mappings()
                .one()
            )
            state = fold(row["media_id"], store.media_events(conn, row["media_id"]))
            expected = store.media_row(state)
            stored = {
                c: (bool(v) if isinstance(expected.get(c), bool) else v) for c, v in row.items()
            }
            if stored != expected:
                bad += 1
                if bad <= 3:
                    diff = {
                        c: (stored[c], expected[c]) for c in expected if stored[c] != expected[c]
                    }
                    print(f"  projection mismatch {row['media_id']}: {diff}")
    ledger.engine.dispose()
    return bad


class Run(NamedTuple):
    """A command run in a child: wall time, CPU seconds (it and its workers), peak RSS in
    bytes (its largest process), exit code."""

    seconds: float
    cpu: float
    peak: int
    code: int


def measure(args: list[str]) -> Run:
    """Run a command in a child and measure it."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss, r.returncode)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return Run(float(out[0]), float(out[1]), int(out[2]) * 1024, int(out[3]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--transfers", type=int, default=150_000)
    parser.add_argument("--keep", type=Path, help="Build the ledger here and keep it.")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--reuse", action="store_true", help="Time the reports on the --keep ledger as it is."
    )
    opts = parser.parse_args()
    folder = opts.keep or Path(tempfile.mkdtemp(prefix="custody-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if opts.reuse and opts.keep and path.exists():
        print(f"reusing {path}")
    else:
        print(f"generating {opts.media:,} media over {MONTHS} months into {path} ...", flush=True)
        made = write_ledger(path, opts.media, opts.transfers, opts.seed)
        print(
            f"  {made['events']:,} events ({made['transfers']:,} electronic transfers) in "
            f"{made['generate_s']:.1f} s, projection {made['projection_s']:.1f} s, "
            f"indexes {made['index_s']:.1f} s"
        )
    with sqlite3.connect(path) as db:
        media, events = (
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("media", "events")
        )
    print(f"  ledger: {media:,} media, {events:,} events")
    print("  event hashes not computed (zeros): reports do not read them; verify would fail")
    bad = check_projection(path, 1000, opts.seed)
    print(f"  projection re-folded through ledger.transitions.fold for 1,000 media: {bad} differ")
    custody = str(Path(sys.executable).with_name("custody"))
    today = datetime.now(UTC).astimezone(LONDON).date()
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    runs = {
        "report unreconciled": [
            custody,
            "--db",
            str(path),
            "report",
            "unreconciled",
            "--format",
            "csv",
        ],
        f"report monthly --month {month}": [
            custody,
            "--db",
            str(path),
            "report",
            "monthly",
            "--month",
            month,
            "--format",
            "html",
        ],
    }
    ok = bad == 0
    print(f"{'command':<36} {'seconds':>8} {'peak MB':>8}  target < {TARGET_SECONDS:.0f} s, < 3 GB")
    for name, args in runs.items():
        seconds, _cpu, peak, code = measure(args)
        passed = code == 0 and seconds < TARGET_SECONDS and peak < TARGET_BYTES
        ok &= passed
        print(
            f"{name:<36} {seconds:8.2f} {peak / 2**20:8.0f}  {'ok' if passed else 'FAIL'}"
            + ("" if code == 0 else f" (exit {code})"),
            flush=True,
        )
    if not opts.keep:
        shutil.rmtree(folder)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
