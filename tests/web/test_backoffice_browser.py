"""The back-office pages in real Chromium: the worklist, incidents, governance, partners,
labels, administration. Set CUSTODY_SHOTS=DIR to keep a screenshot of each page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.web.conftest import Site, browser_sign_in, wait_for
from tests.web.test_worklist import backdate, lose_unencrypted, partner_manifest


def shot(page: Any, name: str) -> None:
    """A full-page screenshot into $CUSTODY_SHOTS, for a person to look at."""
    folder = os.environ.get("CUSTODY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_worklist_filter_and_record_to_pacs(browser_page: Any, site: Site) -> None:
    backdate(site, 20)
    page = browser_page
    browser_sign_in(page, "pacs-desk", "/worklist")
    assert page.inner_text("[data-reason=not-sent-to-pacs]") == "1"
    shot(page, "worklist")
    page.select_option("#f-reason", "not-sent-to-pacs")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**reason=not-sent-to-pacs**")
    rows = page.locator("#worklist tbody tr")
    assert rows.count() == 1
    page.click(f"tr[data-media='{site.media[0]}'] button[value=to-pacs]")
    page.wait_for_selector("p.done")
    assert "to-pacs recorded" in page.inner_text("p.done")
    # Back on the filtered list, now empty for that reason, and counted under its new step.
    assert "reason=not-sent-to-pacs" in page.url
    assert page.locator("#worklist tbody tr").count() == 0
    assert site.ledger.show(site.media[0]).state.status == "with-pacs"
    assert site.ledger.show(site.media[0]).events[-1].operator == "pacsdesk"


def test_worklist_check_all_reports_no_pacs(browser_page: Any, site: Site) -> None:
    backdate(site, 20)
    page = browser_page
    browser_sign_in(page, "pacs-desk", "/worklist")
    page.click("#check-all button")
    wait_for(page, "() => document.getElementById('check-all').dataset.finished")
    assert "no PACS configured" in page.inner_text("#check-status")


def test_ir1_candidate_to_filed_to_closed(browser_page: Any, site: Site) -> None:
    lost = lose_unencrypted(site)
    page = browser_page
    browser_sign_in(page, "governance", "/incidents")
    breach = page.locator(f".breach[data-media='{lost}']")
    assert "h" in breach.locator(".clock").inner_text()
    assert "amber" in (breach.locator(".clock").get_attribute("class") or "")
    shot(page, "incidents")
    breach.locator("a").click()
    page.wait_for_url(f"**/incidents/{lost}/lost")
    assert "943 476 5838" in page.inner_text("#people-affected")
    shot(page, "ir1-draft")
    page.emulate_media(media="print")
    assert not page.is_visible("#ir1-filed-form")
    page.emulate_media(media="screen")
    page.fill("#ref", "W12345")
    page.click("#ir1-filed-form button")
    page.wait_for_selector("p.done")
    assert page.inner_text("#ir1-ref") == "W12345"
    page.fill("#note", "found at the sorting office, still sealed")
    page.click("#ir1-close-form button")
    page.wait_for_selector("p.done")
    assert page.inner_text("#ir1-status") == "closed"
    page.goto("/incidents")
    assert page.locator(f".breach[data-media='{lost}']").count() == 0


def test_governance_month_downloaded_as_xlsx(browser_page: Any, site: Site, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    backdate(site, 20)
    lose_unencrypted(site)
    page = browser_page
    browser_sign_in(page, "governance", "/governance")
    month = site.ledger.clock().strftime("%Y-%m")
    page.fill("#month", month)
    page.click("form[aria-label='Choose a month'] button")
    page.wait_for_url(f"**/governance?month={month}")
    assert len(page.inner_text("#head-digest").strip()) == 64
    # The charts are images from this origin, drawn (the CSP allows them).
    wait_for(page, "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "governance")
    with page.expect_download() as info:
        page.click(f"#downloads a[href$='{month}.xlsx']")
    saved = tmp_path / "month.xlsx"
    info.value.save_as(saved)
    book = load_workbook(saved)
    partners = [row for row in book["Partners"].iter_rows(values_only=True)]
    assert partners[0][:2] == ("partner", "sent")
    assert partners[-1][0] == "Total"
    lost = [row for row in book["Incidents"].iter_rows(values_only=True) if row[0] == "lost"]
    assert lost and lost[0][2] == 1


def test_manifest_uploaded(browser_page: Any, site: Site, tmp_path: Path) -> None:
    manifest, ids = partner_manifest(site, tmp_path)
    page = browser_page
    browser_sign_in(page, "pacs-desk", "/partners")
    page.set_input_files("#file", str(manifest))
    page.click("#import-form button")
    page.wait_for_selector("#import-result")
    assert "manifest from RXH: 2 recorded" in page.inner_text("#import-result")
    for media_id in ids:
        assert page.locator(f"#expected a:text('{media_id}')").count() == 1
    shot(page, "partners")


def test_labels_printed(browser_page: Any, site: Site, tmp_path: Path) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/labels")
    page.uncheck(f"tr[data-media='{site.media[4]}'] input[type=checkbox]")
    page.fill("#start", "2")
    shot(page, "labels")
    with page.expect_download() as info:
        page.click("#labels-form button[type=submit]")
    saved = tmp_path / "labels.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert site.ledger.show(site.media[0]).state.labelled
    assert not site.ledger.show(site.media[4]).state.labelled


def test_admin_thresholds_in_a_form(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "admin", "/admin")
    page.fill("#t-not_imported", "6")
    page.click("#thresholds-form button[type=submit]")
    page.wait_for_selector("p.done")
    assert page.input_value("#t-not_imported") == "6"
    assert "not-imported = 6" in site.settings.thresholds.read_text()
    page.fill("#t-not_imported", "six")
    page.click("#thresholds-form button[type=submit]")
    page.wait_for_selector("p.error")
    assert "whole number" in page.inner_text("p.error")
    page.goto("/admin")
    shot(page, "admin")
