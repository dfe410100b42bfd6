"""The web scan desk under load: N desks against `custody serve --workers 2` on PostgreSQL.

    .venv/bin/python bench/bench_web.py [--desks 50] [--rate 2] [--seconds 20]

Makes a temporary database on the server named by CUSTODY_BENCH_PG (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), registers media, adds one account per
desk, starts `custody serve --workers 2` on 127.0.0.1 (a free port), and has each desk
sign in through /login and then scan its own discs steadily (`--rate` a second, each a
POST /scan round trip, as the desk's page sends it) for `--seconds`. Prints scans per
second and p50/p99 round trip, and, from the same run and database, the terminal
station's figures (`custody scan dispatch` through a pipe, one code after another).
Aim (issue 13): 50 desks at 2 scans a second each, p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import nhs_number
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_station import CUSTODY, latencies
from ledger.accounts import Accounts
from ledger.api import Ledger
from ledger.rules import Registration

SERVER = os.environ.get("CUSTODY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench desk passphrase"
AIM_P99_MS = 100.0
STATION_CODES = 500


@contextmanager
def temporary_database() -> Iterator[str]:
    """A new database on the bench server, dropped afterwards; its URL."""
    name = f"custody_bench_web_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def prepare(url: str, desks: int, per_desk: int) -> list[list[str]]:
    """The ledger: media for every desk and the station, one account per desk."""
    ledger = Ledger.create(url, "RGT", "Cambridge University Hospitals")
    ledger.add_org("RXH", "University Hospitals Sussex")
    count = desks * per_desk + STATION_CODES
    numbers = nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=count)
    media = [
        s.media_id
        for s in ledger.register_many(
            [Registration(nhs_number=n, destination="RXH") for n in numbers], operator="bench"
        )
    ]
    accounts = Accounts(ledger)
    for d in range(desks):
        accounts.add(f"desk{d:03d}", roles=["post-room"], password=PASSWORD)
    ledger.engine.dispose()
    return [media[d * per_desk : (d + 1) * per_desk] for d in range(desks)] + [
        media[desks * per_desk :]
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Desk:
    """One browser at a desk: a kept-alive connection, a session cookie, its CSRF token."""

    def __init__(self, port: int, name: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""
        self.name = name

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        try:
            self.conn.request(method, path, body=body, headers={**headers, "cookie": self.cookie})
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed an idle kept-alive connection: a browser opens a new one.
            self.conn.close()
            self.conn.request(method, path, body=body, headers={**headers, "cookie": self.cookie})
            response = self.conn.getresponse()
        data = response.read()
        set_cookie = response.getheader("set-cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return response.status, data

    def sign_in(self) -> None:
        _, page = self.request("GET", "/login", None, {})
        csrf = page.decode().split('name="csrf" value="', 1)[1].split('"', 1)[0]
        form = urlencode({"csrf": csrf, "username": self.name, "password": PASSWORD, "next": "/"})
        status, _ = self.request(
            "POST", "/login", form.encode(), {"content-type": "application/x-www-form-urlencoded"}
        )
        if status != 303:
            raise SystemExit(f"{self.name} could not sign in ({status})")
        _, page = self.request("GET", "/scan?action=dispatch", None, {})
        self.csrf = page.decode().split('data-csrf="', 1)[1].split('"', 1)[0]

    def scan(self, code: str) -> float:
        body = json.dumps({"code": code, "action": "dispatch", "event_id": str(uuid.uuid4())})
        start = time.perf_counter()
        status, data = self.request(
            "POST",
            "/scan",
            body.encode(),
            {"content-type": "application/json", "x-csrf-token": self.csrf},
        )
        elapsed = time.perf_counter() - start
        if status != 200 or json.loads(data)["outcome"] != "ok":
            raise SystemExit(f"{self.name}: {code} answered {status} {data[:200]!r}")
        return elapsed


def run_desks(port: int, media: list[list[str]], rate: float, seconds: float) -> tuple:
    """Every desk scans its discs steadily; (round trips, scans, wall seconds)."""
    desks = [Desk(port, f"desk{d:03d}") for d in range(len(media))]
    for desk in desks:
        desk.sign_in()
    times: list[float] = []
    lock = threading.Lock()
    start_at = time.perf_counter() + 0.5
    interval = 1.0 / rate

    def work(desk: Desk, codes: list[str], offset: float) -> None:
        mine = []
        due = start_at + offset
        for code in codes:
            if due - start_at > seconds:
                break
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            mine.append(desk.scan(code))
            due += interval
        with lock:
            times.extend(mine)

    threads = [
        threading.Thread(target=work, args=(desk, codes, i * interval / len(desks)))
        for i, (desk, codes) in enumerate(zip(desks, media, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start_at
    return times, len(times), wall


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=50)
    parser.add_argument("--rate", type=float, default=2.0, help="scans a second per desk")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if not 1 <= args.desks <= 200 or not 0 < args.rate <= 20 or not 0 < args.seconds <= 120:
        raise SystemExit("bounded: 1-200 desks, rate up to 20/s, up to 120 s")
    per_desk = int(args.rate * args.seconds) + 2
    with temporary_database() as url:
        media = prepare(url, args.desks, per_desk)
        port = free_port()
        server = subprocess.Popen(
            [
                CUSTODY,
                "--db",
                url,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("custody serve did not start") from None
                    time.sleep(0.2)
            time.sleep(1.0)  # both workers up
            times, scans, wall = run_desks(port, media[:-1], args.rate, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        # The terminal station, through a pipe on the same ledger: per-code round trips.
        env = {**os.environ, "CUSTODY_DB": url, "CUSTODY_OPERATOR": "station"}
        _, station, station_wall = latencies(env, media[-1])
    print(
        f"web desks: {args.desks} desks at {args.rate:g} scans/s each for {args.seconds:g} s, "
        f"custody serve --workers 2 on PostgreSQL (127.0.0.1)"
    )
    print(
        f"  {scans} scans in {wall:.1f} s = {scans / wall:.1f} scans/s; round trip "
        f"p50 {pct(times, 0.50):.1f} ms, p99 {pct(times, 0.99):.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (aim: p99 < {AIM_P99_MS:g} ms)"
    )
    print("terminal station (custody scan dispatch, one pipe, same database, same run):")
    print(
        f"  {len(station)} scans in {station_wall:.1f} s = {len(station) / station_wall:.1f} "
        f"scans/s; p50 {pct(station, 0.50):.1f} ms, p99 {pct(station, 0.99):.1f} ms, "
        f"mean {statistics.mean(station) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
