"""`custody serve` itself, and the web app over a PostgreSQL ledger."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledger.accounts import Accounts
from ledger.api import Ledger, Registration
from tests.web.conftest import PASSWORD, sign_in
from web.app import create_app

CUSTODY = str(Path(sys.executable).parent / "custody")


def test_sqlite_is_served_by_one_worker(cli: Callable[..., Any]) -> None:
    r = cli("serve", "--workers", "2")
    assert r.exit_code == 1
    assert r.stderr == (
        "error: an SQLite ledger is served by one worker; use PostgreSQL for several "
        "(--workers 1)\n"
    )


def test_serve_needs_a_ledger(tmp_path: Path) -> None:
    r = subprocess.run(
        [CUSTODY, "--db", str(tmp_path / "none.db"), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback(db_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [CUSTODY, "--db", str(db_path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert "content-security-policy" in r.headers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.postgres
def test_desk_over_postgresql(pg_url: str) -> None:
    ledger = Ledger.create(pg_url, "RGT", "Cambridge University Hospitals")
    ledger.add_org("RXH", "University Hospitals Sussex")
    media_id = ledger.register(
        Registration(nhs_number="9434765919", destination="RXH"), operator="setup"
    ).media_id
    Accounts(ledger).add("j.smith", roles=["post-room"], password=PASSWORD)
    with TestClient(create_app(pg_url)) as client:
        assert sign_in(client, "j.smith").status_code == 303
        page = client.get("/scan").text
        csrf = page.split('data-csrf="', 1)[1].split('"', 1)[0]
        r = client.post(
            "/scan",
            json={"code": media_id, "action": "dispatch"},
            headers={"x-csrf-token": csrf},
        )
        assert r.json()["outcome"] == "ok"
    (event,) = [e for e in ledger.show(media_id).events if e.action == "dispatch"]
    assert event.operator == "j.smith"
    ledger.engine.dispose()
