"""Security: CSRF on every change, forged and idle cookies, locked and disabled accounts,
headers; and in Chromium, HTML and script typed into free-text fields shown as text."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import itsdangerous.timed
import pytest
from itsdangerous import URLSafeTimedSerializer
from starlette.testclient import TestClient

from ledger import accounts as acc
from ledger.accounts import Accounts
from ledger.api import Registration
from ledger.work import OpenLedger
from tests.web.conftest import PASSWORD, USERS, Site, browser_sign_in, csrf_of, sign_in
from tests.web.test_permissions import ROUTES
from web.app import create_app
from web.sessions import COOKIE

Client = Callable[[str | None], TestClient]
POSTS = [(name, path) for name, path, method in ROUTES if method == "POST" and name != "login"]


@pytest.mark.parametrize(("name", "path"), POSTS)
def test_post_without_csrf_refused(client_for: Client, site: Site, name: str, path: str) -> None:
    client = client_for("pacs-desk")
    target = path.replace("{media_id}", site.media[0])
    before = site.ledger.verify_chain().events
    if path == "/scan":
        r = client.post(target, json={"code": site.media[0], "action": "dispatch"})
        wrong = client.post(
            target,
            json={"code": site.media[0], "action": "dispatch"},
            headers={"x-csrf-token": "not-the-token"},
        )
        assert wrong.status_code == 403
    else:
        r = client.post(target, data={"reason": "x", "via": "email"}, follow_redirects=False)
    assert r.status_code == 403
    assert site.ledger.verify_chain().events == before
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_sign_in_without_csrf_refused(client_for: Client) -> None:
    client = client_for(None)
    r = client.post("/login", data={"username": USERS["admin"], "password": PASSWORD})
    assert r.status_code == 403


def test_cookie_signed_with_another_secret_refused(client_for: Client) -> None:
    client = client_for("pacs-desk")
    assert client.get("/", follow_redirects=False).status_code == 200
    forged = URLSafeTimedSerializer("another server's secret", salt="custody-session").dumps(
        {"u": USERS["pacs-desk"], "e": 0, "c": "x"}
    )
    client.cookies.clear()
    client.cookies.set(COOKIE, forged)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_idle_session_ends(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(ledger=site.ledger, idle_seconds=60))
    assert sign_in(client, USERS["post-room"]).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    # The cookie's signature carries its time; a minute and a second later (by the signer's
    # clock, not a sleep that a loaded machine stretches) it is no longer accepted.
    later = time.time() + 61
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_every_session_of_the_account(client_for: Client) -> None:
    desk_a, desk_b = client_for("post-room"), client_for("post-room")
    desk_a.post("/logout", data={"csrf": csrf_of(desk_a)})
    assert desk_b.get("/", follow_redirects=False).status_code == 303


def test_disabled_account_loses_its_session(client_for: Client, site: Site) -> None:
    client = client_for("post-room")
    site.accounts.disable(USERS["post-room"])
    assert client.get("/scan", follow_redirects=False).status_code == 303
    assert sign_in(client, USERS["post-room"]).status_code == 400


def test_locked_account_stays_locked(client_for: Client, site: Site) -> None:
    name = USERS["pacs-desk"]
    now = site.ledger.clock()
    clock = [now]
    hammer = Accounts(OpenLedger(site.ledger.engine, clock=lambda: clock[0]))
    for _ in range(acc.LOCK_AFTER):
        with pytest.raises(acc.SignInRefused):
            hammer.sign_in(name, "guess guess guess", "10.9.9.9")
        clock[0] += timedelta(seconds=61)
    badge = site.accounts.issue_badge(name)
    client = client_for(None)
    for _ in range(3):
        r = sign_in(client, name)  # the right password
        assert r.status_code == 400
        assert "locked until" in r.text
    csrf = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"csrf": csrf, "badge": badge})
    assert r.status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 303
    log = site.accounts.sign_ins(4)
    assert {s.outcome for s in log} == {"refused"}
    assert log[0].address == "testclient"


def test_headers_on_every_response(client_for: Client) -> None:
    client = client_for(None)
    for path in ("/login", "/static/desk.js", "/scan"):
        r = client.get(path, follow_redirects=False)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
    cookie = client.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_secure_cookie_behind_tls(site: Site) -> None:
    client = TestClient(create_app(ledger=site.ledger), base_url="https://custody.example")
    cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith("__Host-custody_session=")
    assert "Secure" in cookie


# -- in the browser: what people type is shown as text and runs nothing ------------------------

PAYLOAD = '<img src=x onerror="__xss=1"><script>__xss=2</script>'


def test_html_in_free_text_is_shown_as_text(browser_page: Any, site: Site) -> None:
    ledger = site.ledger
    # Organisation name, operator name (from the CLI or a partner's receipts), exception
    # reason, IR1 note: all text someone typed.
    ledger.add_org("RQ3", "Evil " + PAYLOAD)
    m = ledger.register(
        Registration(
            nhs_number="9434765919",
            destination="RQ3",
            encrypted=False,
            exception="urgent-clinical",
            approved_by=PAYLOAD,
            exception_reason=PAYLOAD,
        ),
        operator=PAYLOAD,
    ).media_id
    ledger.scan("dispatch", m, operator=PAYLOAD)
    ledger.ir1_closed(m, reason="lost", note=PAYLOAD, operator=PAYLOAD)
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_sign_in(page, "pacs-desk", f"/media/{m}")
    timeline = page.inner_text(".timeline")
    assert PAYLOAD in timeline  # the operator and the notes, as typed
    page.goto("/scan?action=receive")
    assert "Evil <img" in page.inner_text("#site")
    page.keyboard.type(PAYLOAD + "\n")
    page.wait_for_selector("#scan-result[data-outcome=refused]")
    page.goto(f"/search?q={m}")
    page.goto(f"/register?x={PAYLOAD}")
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
