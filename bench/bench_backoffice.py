"""Benchmark: the worklist and the governance dashboard over 1,000,000 media, through HTTP.

    .venv/bin/python bench/bench_backoffice.py [--ledger FILE | --media N] [--rounds 20]

The ledger is bench/bench_reports.py's (1,000,000 media, ~5.9M events): give one it kept
(`bench_reports.py --keep DIR` writes DIR/bench.db) with --ledger, or this script builds one
(minutes). The web app runs under uvicorn on 127.0.0.1 in this process; a client signs in
as the PACS desk and the governance lead and times whole page loads (request to last byte):

- cold: the first visit, which builds the report (`custody serve` builds both at start-up
  in the background, so in service nobody waits for this);
- warm: further visits, the ledger unchanged;
- after a change: a step recorded from the worklist, then the list again (the changed media
  are recomputed and spliced in) and the dashboard (its last answer shown while it is rebuilt
  in the background).

Target: warm and after-a-change page loads under 500 ms (p95).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import uvicorn  # noqa: E402

from ledger.accounts import Accounts  # noqa: E402
from ledger.api import Ledger  # noqa: E402
from web.app import create_app  # noqa: E402
from web.backoffice import Settings  # noqa: E402

TARGET_MS = 500.0
PASSWORD = "benchmark password 1"
USERS = {"benchdesk": "pacs-desk", "benchgov": "governance"}


class Client:
    """A signed-in browser, as far as cookies and forms go."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.get("/login")[1]
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        self.post("/login", {"username": name, "password": PASSWORD, "next": "/"})
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', self.get("/")[1]).group(1)  # type: ignore[union-attr]

    def get(self, path: str) -> tuple[float, str]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=600) as response:
            body = response.read().decode()
        return (time.perf_counter() - started) * 1000, body

    def post(self, path: str, data: dict[str, str]) -> tuple[float, str]:
        form = urllib.parse.urlencode({"csrf": self.csrf, **data}).encode()
        started = time.perf_counter()
        with self.opener.open(self.base + path, data=form, timeout=600) as response:
            body = response.read().decode()
        return (time.perf_counter() - started) * 1000, body


def serve(path: Path, settings: Settings) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(str(path), settings=settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def summary(name: str, times: list[float]) -> tuple[str, float]:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    line = (
        f"{name:<44} n={len(times):<3} p50 {statistics.median(times):7.0f} ms  "
        f"p95 {p95:7.0f} ms  max {ordered[-1]:7.0f} ms"
    )
    return line, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, help="A ledger bench_reports.py kept.")
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    opts = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="custody-bench-web2-"))
    path = opts.ledger
    if path is None:
        from bench_reports import write_ledger

        path = folder / "bench.db"
        print(f"generating {opts.media:,} media into {path} ...", flush=True)
        write_ledger(path, opts.media, 150_000, 6)
    ledger = Ledger.open(str(path))
    accounts = Accounts(ledger)
    known = {a.name for a in accounts.all()}
    for name, role in USERS.items():
        if name not in known:
            accounts.add(name, roles=[role], password=PASSWORD)
    media = ledger.engine.connect().exec_driver_sql("SELECT count(*) FROM media").scalar_one()
    print(f"ledger {path}: {media:,} media")
    base = serve(path, Settings(folder / "thresholds.toml", folder / "pacs.toml"))
    desk, gov = Client(base, "benchdesk"), Client(base, "benchgov")
    today = ledger.clock().date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    lines: list[str] = []
    ok = True

    def cold(name: str, client: Client, target: str) -> None:
        ms, _ = client.get(target)
        lines.append(f"{name:<44} cold (builds the report): {ms / 1000:.1f} s")
        print(lines[-1], flush=True)

    def warm(name: str, client: Client, target: str, rounds: int) -> None:
        nonlocal ok
        line, p95 = summary(name, [client.get(target)[0] for _ in range(rounds)])
        ok &= p95 < TARGET_MS
        lines.append(line + ("" if p95 < TARGET_MS else "  OVER"))
        print(lines[-1], flush=True)

    cold("GET /worklist", desk, "/worklist")
    cold("GET /governance", gov, "/governance")
    warm("GET /worklist (warm)", desk, "/worklist", opts.rounds)
    warm("GET /worklist?reason=not-imported&sort=age", desk,
         "/worklist?reason=not-imported&sort=age", opts.rounds)  # fmt: skip
    warm("GET /worklist?min_days=20&urgency=urgent", desk,
         "/worklist?min_days=20&urgency=urgent", opts.rounds)  # fmt: skip
    warm("GET /governance (warm)", gov, "/governance", opts.rounds)
    warm(f"GET /governance?month={last_month} (warm)", gov, f"/governance?month={last_month}",
         opts.rounds)  # fmt: skip
    page = desk.get("/worklist?reason=not-imported")[1]
    changed = re.findall(r'tr data-media="([A-Z0-9]+)"', page)[: opts.rounds]
    after: list[float] = []
    recorded: list[float] = []
    for media_id in changed:
        recorded.append(
            desk.post("/worklist/record", {"media_id": media_id, "action": "imported"})[0]
        )
        after.append(desk.get("/worklist")[0])
    if after:
        line, p95 = summary("POST /worklist/record imported (+ redirect)", recorded)
        lines.append(line)
        print(line)
        line, p95 = summary("GET /worklist after each step", after)
        ok &= p95 < TARGET_MS
        lines.append(line + ("" if p95 < TARGET_MS else "  OVER"))
        print(line, flush=True)
        after_page = desk.get("/worklist?reason=not-imported")[1]
        assert changed[0] not in after_page, "a recorded step did not show in the list"
    warm("GET /governance after the steps (stale, rebuilding)", gov, "/governance", 5)
    print(f"target: warm and after-a-change p95 < {TARGET_MS:.0f} ms: {'ok' if ok else 'FAIL'}")
    ledger.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
