"""The web app over a small SQLite ledger: one account per role, a few media, a browser.

The browser is Debian's `chromium` driven by Playwright (no browser download). Where it
cannot start, browser tests skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest
import uvicorn
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from ledger import accounts as accounts_module
from ledger.accounts import ROLES, Accounts
from ledger.api import Ledger, Registration
from tests.conftest import NHS_NUMBERS
from web.app import create_app
from web.backoffice import Settings

PASSWORD = "correct horse battery"
USERS = {role: role.replace("-", "") for role in ROLES}  # post-room -> postroom, ...
NHS = list(NHS_NUMBERS[5:10])


class Site(NamedTuple):
    """A ledger with accounts and media, and the server's settings files (none written yet)."""

    db: Path
    ledger: Ledger
    accounts: Accounts
    media: list[str]
    settings: Settings


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: tests sign in hundreds of times on a shared machine."""
    monkeypatch.setattr(
        accounts_module, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """RGT with partners RXH and R1K, one account per role, five media for RXH."""
    db = tmp_path / "ledger.db"
    ledger = Ledger.create(str(db), "RGT", "Cambridge University Hospitals")
    ledger.add_org("RXH", "University Hospitals Sussex")
    ledger.add_org("R1K", "London North West")
    accounts = Accounts(ledger)
    for role, name in USERS.items():
        accounts.add(name, roles=[role], password=PASSWORD, email=f"{name}@nhs.net")
    media = [
        ledger.register(
            Registration(nhs_number=n, destination="RXH", accession=f"ACC{i}"), operator="setup"
        ).media_id
        for i, n in enumerate(NHS)
    ]
    settings = Settings(tmp_path / "thresholds.toml", tmp_path / "pacs.toml")
    yield Site(db, ledger, accounts, media, settings)
    ledger.engine.dispose()


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a person would; the response."""
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/login",
        data={"csrf": csrf, "username": name, "password": password, "next": "/"},
        follow_redirects=False,
    )


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, as a page's forms carry it."""
    page = client.get("/")
    return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def client_for(site: Site) -> Iterator[Callable[[str | None], TestClient]]:
    """A client signed in as the account of a role (None: nobody signed in)."""
    app = create_app(ledger=site.ledger, settings=site.settings)
    made: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        client = TestClient(app)
        made.append(client)
        if role is not None:
            assert sign_in(client, USERS[role]).status_code == 303
        return client

    yield make
    for c in made:
        c.close()


# -- a real server and a real browser ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a thread; its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(ledger=site.ledger, settings=site.settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


def _no_browser(problem: str) -> NoReturn:
    """Skip the test for want of a browser; fail it under CI=true."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem)


@pytest.fixture(scope="session")
def launch_chromium() -> Iterator[Callable[..., Any]]:
    """Launches Debian's chromium under Playwright with extra command-line arguments (one
    Playwright for the session: a second one cannot start in the same thread)."""
    executable = shutil.which("chromium")
    if executable is None:
        _no_browser("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
    except Exception as exc:  # any failure to start means "no browser" here
        _no_browser(f"Playwright did not start: {exc}")

    def launch(*args: str) -> Any:
        try:
            return pw.chromium.launch(executable_path=executable, args=["--no-sandbox", *args])
        except Exception as exc:
            _no_browser(f"chromium did not start: {exc}")

    yield launch
    pw.stop()


@pytest.fixture(scope="session")
def chromium(launch_chromium: Callable[..., Any]) -> Iterator[Any]:
    """Debian's chromium under Playwright; skipped where missing, failed under CI=true."""
    browser = launch_chromium()
    yield browser
    browser.close()


@pytest.fixture
def browser_page(chromium: Any, server: str) -> Iterator[Any]:
    """A fresh browser context (its own cookies and IndexedDB) on the test server."""
    context = chromium.new_context(base_url=server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def wait_for(page: Any, script: str, timeout: float = 10.0) -> Any:
    """Poll a JavaScript function until it returns something truthy (the page's CSP forbids
    the eval that Playwright's wait_for_function needs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {script}")


def browser_sign_in(page: Any, role: str, target: str = "/scan") -> None:
    """Open `target`, get sent to /login, sign in with the stable field names, come back."""
    page.goto(target)
    page.fill("input[name=username]", USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**{target}")
