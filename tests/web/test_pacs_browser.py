"""The worklist's PACS check and the admin's test connection, in Chromium, against the real
Orthanc the PACS tests start (marked `orthanc`: scripts/test.sh runs them in a network
namespace with only loopback)."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.api import Registration
from pacs.connection import save_settings
from pacs.query import DicomWebSettings
from tests.pacs.conftest import LoadedPacs, loaded_pacs, orthanc  # noqa: F401 (fixtures)
from tests.web.conftest import Site, browser_sign_in, wait_for

pytestmark = pytest.mark.orthanc


def _with_pacs_team(site: Site, nhs: str, study_uid: str) -> str:
    media_id = site.ledger.register(
        Registration(nhs_number=nhs, destination="RXH", study_uid=study_uid), operator="setup"
    ).media_id
    for action in ("dispatch", "receive", "to-pacs"):
        site.ledger.scan(action, media_id, site="RXH", operator="setup")
    return media_id


def test_check_every_pending_disc(browser_page: Any, site: Site, loaded_pacs: LoadedPacs) -> None:  # noqa: F811
    pacs = loaded_pacs
    save_settings(site.settings.pacs, DicomWebSettings(pacs.server.dicomweb_url))
    there = _with_pacs_team(site, pacs.complete.patient_id, pacs.complete.study_uid)
    absent = _with_pacs_team(site, pacs.absent.patient_id, pacs.absent.study_uid)
    page = browser_page
    browser_sign_in(page, "pacs-desk", "/worklist")
    page.click("#check-all button")
    assert wait_for(page, "() => document.getElementById('check-all').dataset.finished") == "true"
    assert "checked 2 of 2" in page.inner_text("#check-status")
    outcomes = {
        li.inner_text().split(":")[0]: li.get_attribute("data-outcome")
        for li in page.locator("#check-results li").all()
    }
    assert outcomes == {there: "verified", absent: "not-found"}
    state = site.ledger.show(there).state
    assert state.status == "imported" and state.import_check == "present"
    assert site.ledger.show(there).events[-1].operator == "pacsdesk"
    assert site.ledger.show(absent).state.status == "with-pacs"


def test_admin_test_connection(browser_page: Any, site: Site, loaded_pacs: LoadedPacs) -> None:  # noqa: F811
    page = browser_page
    browser_sign_in(page, "admin", "/admin")
    page.fill("#pacs-url", loaded_pacs.server.dicomweb_url)
    page.click("#pacs-form button[value=save]")
    page.wait_for_selector("p.done")
    page.click("#pacs-form button[value=test]")
    page.wait_for_selector("p.done")
    assert "connected: QIDO-RS" in page.inner_text("p.done")
