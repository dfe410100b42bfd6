"""Tracking references and handover forms from the web pages: the desk and a medium's page (#17)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledger.api import Registration
from tests.web.conftest import NHS, Site, browser_sign_in, csrf_of, wait_for

Client = Callable[[str | None], TestClient]


def _desk(client: TestClient, code: str, action: str = "dispatch", **extra: Any) -> Any:
    csrf = csrf_of(client)
    body = {"code": code, "action": action, "site": "RGT", **extra}
    reply = client.post("/scan", json=body, headers={"x-csrf-token": csrf})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_desk_puts_one_tracking_code_on_every_disc_of_its_parcel(
    client_for: Client, site: Site
) -> None:
    post = client_for("post-room")
    parcel = site.media[:3]
    for m in parcel:
        assert _desk(post, m)["outcome"] == "ok"
    alone = _desk(post, "AB123456785GB")
    assert (alone["outcome"], alone["reason"]) == (
        "refused",
        "tracking AB 1234 5678 5 GB: no disc scanned for dispatch before it - scan the "
        "parcel's discs, then its tracking code",
    )
    done = _desk(post, "ab 1234 5678 5 gb", parcel=parcel)
    assert (done["outcome"], done["reason"], done["parcel"]) == (
        "tracking",
        "tracking AB 1234 5678 5 GB",
        parcel,
    )
    assert {m: site.ledger.show(m).state.tracking for m in parcel} == dict.fromkeys(
        parcel, "AB123456785GB"
    )
    misread = _desk(post, "AB123456784GB", parcel=parcel)
    assert misread["outcome"] == "refused" and "misread - scan again" in misread["reason"]
    receiving = _desk(post, "AB123456785GB", action="receive", parcel=parcel)
    assert receiving["outcome"] == "refused"
    assert "goes after its discs' dispatch scans (now scanning receive)" in receiving["reason"]


def test_a_medium_page_records_tracking_after_the_fact(client_for: Client, site: Site) -> None:
    m = site.media[0]
    post = client_for("post-room")
    assert 'action="/media/' + m + '/tracking"' not in post.get(f"/media/{m}").text
    site.ledger.scan("dispatch", m, operator="post.room1")
    assert f'action="/media/{m}/tracking"' in post.get(f"/media/{m}").text
    csrf = csrf_of(post)
    bad = post.post(f"/media/{m}/tracking", data={"csrf": csrf, "tracking": "AB123456784GB"})
    assert bad.status_code == 400 and "misread - scan again" in bad.text
    ok = post.post(f"/media/{m}/tracking", data={"csrf": csrf, "tracking": "AB123456785GB"})
    assert ok.status_code == 200 and "tracking AB 1234 5678 5 GB recorded" in ok.text
    data = post.get(f"/media/{m}.json").json()
    assert data["media"]["tracking"] == "AB 1234 5678 5 GB"
    assert NHS[0] not in str(data)


def test_a_handover_form_is_printed_and_its_signature_recorded(
    client_for: Client, site: Site, tmp_path: Any
) -> None:
    handed = site.ledger.register(
        Registration(
            nhs_number=NHS[0],
            destination="RXH",
            accession="ACC9",
            encrypted=False,
            exception="patient-handover",
            approved_by="Dr A",
            exception_reason="patient collects",
        ),
        operator="setup",
    ).media_id
    pacs = client_for("pacs-desk")
    page = pacs.get(f"/media/{handed}").text
    assert f'action="/media/{handed}/handover-form"' in page
    csrf = csrf_of(pacs)
    form = pacs.post(f"/media/{handed}/handover-form", data={"csrf": csrf})
    assert form.status_code == 200 and form.headers["content-type"] == "application/pdf"
    assert form.headers["content-disposition"] == (
        f'attachment; filename="{handed}-handover-form.pdf"'
    )
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(form.content)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "is NOT encrypted" in text and NHS[0] not in text
    assert pacs.get(f"/media/{handed}.json").json()["media"]["acknowledged_at"] is None
    signed = pacs.post(
        f"/media/{handed}/handover",
        data={"csrf": csrf, "acknowledged_by": "Jane Doe", "relationship": "parent"},
    )
    assert signed.status_code == 200 and "signed handover form recorded" in signed.text
    assert pacs.get(f"/media/{handed}.json").json()["media"]["acknowledged_at"] is not None
    post = client_for("post-room")
    assert "Jane Doe" not in post.get(f"/media/{handed}").text
    assert "Jane Doe" in pacs.get(f"/media/{handed}").text
    # An encrypted disc has no form to print.
    refused = pacs.post(f"/media/{site.media[0]}/handover-form", data={"csrf": csrf})
    assert refused.status_code == 400 and "is encrypted" in refused.text


def _scan(page: Any, code: str) -> tuple[str, str]:
    before = page.evaluate("() => window.custodyDesk.shown.length")
    page.keyboard.type(code + "\n", delay=2)
    wait_for(page, f"() => window.custodyDesk.shown.length > {before}")
    return page.get_attribute("#scan-result", "data-outcome"), page.inner_text("#scan-result")


@pytest.mark.slow
def test_the_browser_desk_attaches_a_parcels_tracking_code(browser_page: Any, site: Site) -> None:
    page = browser_page
    browser_sign_in(page, "post-room", "/scan?action=dispatch")
    outcome, text = _scan(page, "AB123456785GB")
    assert outcome == "refused" and "no disc scanned for dispatch before it" in text
    for m in site.media[:3]:
        assert _scan(page, m)[0] == "ok"
    outcome, text = _scan(page, "AB123456785GB")
    assert outcome == "tracking"
    assert "tracking AB 1234 5678 5 GB" in text
    assert "on 3 discs: " + " ".join(site.media[:3]) in text
    assert page.evaluate("() => window.custodyDesk.parcel()") == []
    assert {site.ledger.show(m).state.tracking for m in site.media[:3]} == {"AB123456785GB"}
