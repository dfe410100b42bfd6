"""axe-core (vendored from npm) finds no serious or critical violation on any page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Site, browser_sign_in

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def _violations(page: Any) -> list[str]:
    page.evaluate(AXE)  # evaluated by the test, not the page: the page's CSP still applies
    found = page.evaluate("() => axe.run(document).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/login"),
        ("pacs-desk", "/"),
        ("post-room", "/scan?action=dispatch"),
        ("pacs-desk", "/media/{m}"),
        ("post-room", "/media/{m}"),
        ("pacs-desk", "/register"),
        ("pacs-desk", "/search?q={m}"),
        ("governance", "/scan"),  # the refusal page
        ("pacs-desk", "/worklist"),
        ("governance", "/incidents"),
        ("governance", "/governance"),
        ("pacs-desk", "/partners"),
        ("post-room", "/labels"),
        ("admin", "/admin"),
        ("governance", "/incidents/{m}/overdue-receipt"),
    ],
)
def test_no_serious_violations(browser_page: Any, site: Site, role: str | None, path: str) -> None:
    page = browser_page
    if "overdue-receipt" in path:
        site.ledger.scan(
            "dispatch", site.media[0], operator="setup", at=site.ledger.clock() - timedelta(days=30)
        )
    target = path.format(m=site.media[0])
    if role is None:
        page.goto(target)
    else:
        browser_sign_in(page, role, "/")
        page.goto(target)
    assert _violations(page) == []


def test_scan_desk_after_a_refusal(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    page.keyboard.type("not a code\n")
    page.wait_for_selector("#scan-result[data-outcome=refused]")
    assert _violations(page) == []
