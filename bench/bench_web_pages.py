"""The web app's pages over a ledger of 1,000,000 media: how long each takes to answer.

    .venv/bin/python bench/bench_web_pages.py [--media 1000000] [--keep DIR [--reuse]]

Builds the ledger as bench/bench_reports.py does (bulk inserts, ~5.8M events), adds a
pacs-desk account, and asks each page of the web app in-process (Starlette's TestClient,
SQLite) a number of times: a medium's page and its JSON, search by media ID, NHS number
and accession, the scan desk, registration, the home page, and one scan. Prints the
median and the slowest answer of each. Aim (issue 13): every page under 300 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reports import write_ledger  # noqa: E402
from ledger.accounts import Accounts  # noqa: E402
from ledger.api import Ledger  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
from starlette.testclient import TestClient  # noqa: E402

from web.app import create_app  # noqa: E402

AIM_MS = 300.0
REPEATS = 15
PASSWORD = "bench pages passphrase"


def sign_in(client: TestClient, name: str) -> str:
    page = client.get("/login").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login",
        data={"csrf": csrf, "username": name, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client.get("/scan").text.split('data-csrf="', 1)[1].split('"', 1)[0]


def timed(client: TestClient, method: str, path: str, **kw: object) -> list[float]:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        r = client.request(method, path, **kw)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Build the ledger here and keep it.")
    parser.add_argument("--reuse", action="store_true", help="Use the --keep ledger as it is.")
    opts = parser.parse_args()
    folder = opts.keep or Path(tempfile.mkdtemp(prefix="custody-bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if not (opts.reuse and path.exists()):
        print(f"generating {opts.media:,} media into {path} ...", flush=True)
        write_ledger(path, opts.media, opts.media // 10, seed=13)
    with sqlite3.connect(path) as db:
        media_count = db.execute("SELECT count(*) FROM media").fetchone()[0]
        events = db.execute("SELECT max(seq) FROM events").fetchone()[0]
        middle = db.execute(
            "SELECT media_id, nhs_number, accession FROM media WHERE accession IS NOT NULL "
            "LIMIT 1 OFFSET ?",
            (media_count // 4,),
        ).fetchone()
        busy = db.execute(
            "SELECT media_id FROM media WHERE status = 'imported' LIMIT 1 OFFSET ?",
            (media_count // 2,),
        ).fetchone()[0]
    media_id, nhs, accession = middle
    ledger = Ledger.open(str(path))
    accounts = Accounts(ledger)
    if not any(a.name == "bench.pacs" for a in accounts.all()):
        accounts.add("bench.pacs", roles=["pacs-desk"], password=PASSWORD)
    client = TestClient(create_app(ledger=ledger))
    csrf = sign_in(client, "bench.pacs")
    pages = {
        f"/media/{busy} (a whole journey)": ("GET", f"/media/{busy}", {}),
        f"/media/{busy}.json": ("GET", f"/media/{busy}.json", {}),
        "/search by media ID": ("GET", f"/search?q={media_id}", {}),
        "/search by NHS number": ("GET", f"/search?q={nhs}", {}),
        "/search by accession": ("GET", f"/search?q={accession}", {}),
        "/scan (the desk)": ("GET", "/scan?action=receive", {}),
        "/register": ("GET", "/register", {}),
        "/ (home)": ("GET", "/", {}),
    }
    print(f"ledger: {media_count:,} media, {events:,} events; {REPEATS} requests each, in-process")
    worst = 0.0
    for label, (method, target, kw) in pages.items():
        times = timed(client, method, target, **kw)
        worst = max(worst, max(times))
        print(
            f"  {label:<40} median {statistics.median(times) * 1000:6.1f} ms, "
            f"slowest {max(times) * 1000:6.1f} ms"
        )
    start = time.perf_counter()
    r = client.post(
        "/scan",
        json={"code": media_id, "action": "dispatch"},
        headers={"x-csrf-token": csrf},
    )
    took = time.perf_counter() - start
    assert r.json()["outcome"] == "ok", r.text
    print(f"  {'POST /scan (one dispatch)':<40} {took * 1000:6.1f} ms")
    print(f"slowest of all: {worst * 1000:.1f} ms (aim: under {AIM_MS:g} ms)")
    ledger.engine.dispose()


if __name__ == "__main__":
    main()
