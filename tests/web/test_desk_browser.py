"""The scan desk in real Chromium: wedge-speed scans, ticks and crosses, beeps, command
barcodes, badges, and scans kept in the browser while the server cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ledger import store
from tests.web.conftest import Site, browser_sign_in, wait_for

WEDGE_DELAY_MS = 2  # a USB scanner types a character every millisecond or two


def _result(page: Any) -> tuple[str, str]:
    return page.get_attribute("#scan-result", "data-outcome"), page.inner_text("#scan-result")


def _scan(page: Any, code: str) -> tuple[str, str]:
    """Type a code and Enter as a wedge does; wait for the page to show the answer."""
    before = page.evaluate("() => window.custodyDesk.shown.length")
    page.keyboard.type(code + "\n", delay=WEDGE_DELAY_MS)
    wait_for(page, f"() => window.custodyDesk.shown.length > {before}")
    return _result(page)


def _events(site: Site, action: str) -> list[Any]:
    with site.ledger.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(store.EVENTS).where(store.EVENTS.c.action == action).order_by("seq")
            )
        )


def test_scan_tick_misread_cross_and_double_beep(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    assert page.evaluate("() => document.activeElement.id") == "scan"
    outcome, text = _scan(page, site.media[0])
    assert outcome == "ok"
    assert f"OK {site.media[0]} dispatched" in text
    assert "\u2714" in text
    assert page.evaluate("() => window.custodyDesk.beeps.at(-1).times") == 1
    misread = site.media[1][:-1] + ("A" if site.media[1][-1] != "A" else "B")
    outcome, text = _scan(page, misread)
    assert outcome == "refused"
    assert "misread - scan again" in text
    assert page.evaluate("() => window.custodyDesk.beeps.at(-1)") == {
        "times": 2,
        "muted": False,
        "at": page.evaluate("() => window.custodyDesk.beeps.at(-1).at"),
    }
    outcome, text = _scan(page, site.media[0].lower())  # Caps Lock, read twice: a double read
    assert outcome == "duplicate"
    assert page.evaluate("() => window.custodyDesk.beeps.at(-1).times") == 2
    (event,) = _events(site, "dispatch")
    assert event.operator == "postroom"  # the signed-in person, never typed
    assert page.inner_text("#count-ok") == "1"
    assert page.inner_text("#count-refused") == "1"


def test_result_within_150_ms_of_enter(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    _scan(page, site.media[0])  # the first scan warms the connection, as at any desk
    page.keyboard.type(site.media[1], delay=WEDGE_DELAY_MS)
    page.evaluate("() => { window.enterAt = performance.now(); }")
    page.keyboard.press("Enter")
    wait_for(page, "() => window.custodyDesk.shown.length == 2")
    elapsed = page.evaluate("() => window.custodyDesk.shown[1].at - window.enterAt")
    assert page.get_attribute("#scan-result", "data-outcome") == "ok"
    assert elapsed < 150, f"{elapsed:.0f} ms from Enter to the result on screen"


def test_command_barcode_switches_action(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "pacs-desk", "/scan?action=dispatch")
    outcome, text = _scan(page, "CMDRECEIVE")
    assert outcome == "command"
    assert page.input_value("#action") == "receive"
    assert "action=receive" in page.url
    page.select_option("#site", "RXH")
    outcome, _ = _scan(page, site.media[2])
    assert outcome == "ok"
    (event,) = _events(site, "receive")
    assert (event.media_id, event.site, event.operator) == (site.media[2], "RXH", "pacsdesk")
    # Received at our own site while addressed to RXH: misdelivered, an amber notice.
    page.select_option("#site", "RGT")
    outcome, text = _scan(page, site.media[3])
    assert outcome == "ok"
    assert page.get_attribute("#scan-result", "data-notice") == "yes"
    assert "misdelivered" in text


def test_mute_is_remembered_by_the_desk(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    page.click("#mute")
    assert page.evaluate("() => document.activeElement.id") == "scan"
    page.reload()
    assert page.is_checked("#mute")
    _scan(page, site.media[0])
    assert page.evaluate("() => window.custodyDesk.beeps.at(-1)")["muted"] is True


def test_offline_scans_queued_then_recorded_once_with_their_own_times(
    browser_page: Any, site: Site
) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    page.context.set_offline(True)
    before = datetime.now(UTC)
    for media_id in site.media[:3]:
        outcome, text = _scan(page, media_id)
        assert outcome == "queued"
        assert "OFFLINE - QUEUED" in text
        page.wait_for_timeout(300)  # so each scan has a time of its own
    assert page.evaluate("() => window.custodyDesk.queued()") == 3
    assert "OFFLINE - QUEUED 3" in page.inner_text("#connection")
    pending = page.evaluate("() => window.custodyDesk.pending()")
    assert _events(site, "dispatch") == []
    page.wait_for_timeout(500)  # the replay comes later than any scan
    page.context.set_offline(False)
    wait_for(page, "() => window.custodyDesk.queued().then(n => n === 0)")
    wait_for(page, "() => document.getElementById('connection').textContent === 'online'")
    events = _events(site, "dispatch")
    assert [e.media_id for e in events] == site.media[:3]
    for event, queued in zip(events, pending, strict=True):
        scanned = datetime.fromisoformat(queued["at"].replace("Z", "+00:00"))
        assert before <= scanned
        assert event.event_id == queued["event_id"]  # the browser's own event ID
        assert datetime.fromisoformat(event.at) == scanned  # its own time, not the replay's
        assert datetime.fromisoformat(event.recorded_at) - scanned > timedelta(seconds=0.4)
        assert event.operator == "postroom"
    assert len({e.at for e in events}) == 3
    assert (page.inner_text("#count-ok"), page.inner_text("#count-queued")) == ("3", "0")
    assert "while offline" in page.inner_text("#scan-result")
    # Flushing again records nothing twice.
    page.evaluate("() => window.custodyDesk.flush()")
    assert len(_events(site, "dispatch")) == 3


def test_badge_signs_in_at_the_desk_and_on_the_sign_in_page(browser_page: Any, site: Site) -> None:
    page = browser_page
    badge = site.accounts.issue_badge("pacsdesk")
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    outcome, text = _scan(page, badge.lower())  # a badge read with Caps Lock on
    assert outcome == "signed-in"
    assert page.inner_text("#who") == "pacsdesk"
    _scan(page, site.media[0])
    (event,) = _events(site, "dispatch")
    assert event.operator == "pacsdesk"
    # Signed out, the badge signs in on the sign-in page too.
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto("/scan?action=receive")
    page.fill("#badge", badge)
    page.keyboard.press("Enter")
    page.wait_for_url("**/scan?action=receive")
    assert page.inner_text("#who") == "pacsdesk"
    site.accounts.revoke_badge("pacsdesk")
    outcome, text = _scan(page, badge)
    assert outcome == "refused"
    assert "unknown or revoked badge" in text
