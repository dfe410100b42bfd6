"""The pages around the desk, in-process: a medium's page by role, corrections, passwords,
labels, registration (one and CSV), search; each page also as .json."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from starlette.testclient import TestClient

from ledger import store
from tests.web.conftest import NHS, Site, csrf_of

Client = Callable[[str | None], TestClient]


def test_media_page_hides_patient_identifiers_from_the_post_room(
    client_for: Client, site: Site
) -> None:
    m = site.media[0]
    post = client_for("post-room")
    page = post.get(f"/media/{m}")
    assert page.status_code == 200
    assert m in page.text
    assert NHS[0] not in page.text and "ACC0" not in page.text
    data = post.get(f"/media/{m}.json").json()
    assert set(data["media"]) == {
        "media_id",
        "destination",
        "status",
        "urgent",
        "status_at",
        "tracking",
    }
    assert NHS[0] not in str(data)
    pacs = client_for("pacs-desk").get(f"/media/{m}.json").json()
    assert pacs["media"]["nhs_number"] == NHS[0]
    assert pacs["events"][0]["action"] == "register"
    assert pacs["events"][0]["operator"] == "setup"


def test_unknown_medium_is_404(client_for: Client) -> None:
    r = client_for("pacs-desk").get("/media/RGT00000099X")
    assert r.status_code == 404


def test_correct_an_event_with_a_reason(client_for: Client, site: Site) -> None:
    m = site.media[0]
    site.ledger.scan("dispatch", m, operator="someone")
    client = client_for("pacs-desk")
    csrf = csrf_of(client)
    scan = client.get(f"/media/{m}.json").json()["events"][1]
    empty = client.post(f"/media/{m}/correct", data={"csrf": csrf, "event_id": scan["event_id"]})
    assert empty.status_code == 400
    assert "a correction needs a reason" in empty.text
    done = client.post(
        f"/media/{m}/correct",
        data={"csrf": csrf, "event_id": scan["event_id"], "reason": "wrong disc scanned"},
    )
    assert done.status_code == 200
    data = client.get(f"/media/{m}.json").json()
    assert data["media"]["status"] == "registered"
    assert data["events"][1]["voided"] is True
    assert data["events"][2]["operator"] == "pacsdesk"
    assert "wrong disc scanned" in data["events"][2]["detail"]


def test_password_sent_and_label(client_for: Client, site: Site) -> None:
    m = site.media[1]
    client = client_for("pacs-desk")
    csrf = csrf_of(client)
    r = client.post(
        f"/media/{m}/password-sent", data={"csrf": csrf, "via": "email", "to": "a@nhs.net"}
    )
    assert r.status_code == 200
    assert client.get(f"/media/{m}.json").json()["media"]["password_via"] == "email"
    bad = client.post(f"/media/{m}/password-sent", data={"csrf": csrf, "via": "pigeon"})
    assert bad.status_code == 400
    pdf = client.post(f"/media/{m}/label", data={"csrf": csrf})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    events = client.get(f"/media/{m}.json").json()["events"]
    assert events[-1]["action"] == "labelled" and events[-1]["operator"] == "pacsdesk"


def test_register_one_checked_on_the_server(client_for: Client, site: Site) -> None:
    client = client_for("pacs-desk")
    assert client.get("/register/check?nhs_number=943 476 5919").json() == {
        "ok": True,
        "problem": None,
    }
    assert client.get("/register/check?nhs_number=9434765918").json()["ok"] is False
    csrf = csrf_of(client)
    bad = client.post(
        "/register", data={"csrf": csrf, "nhs_number": "9434765918", "destination": "RXH"}
    )
    assert bad.status_code == 400
    assert "9434765918" in bad.text
    good = client.post(
        "/register",
        data={"csrf": csrf, "nhs_number": "943 476 5919", "destination": "RXH", "urgent": "yes"},
    )
    assert good.status_code == 200
    assert "RGT00000006" in good.text
    state = site.ledger.show("RGT000000064").state
    assert (state.urgent, state.destination) == (True, "RXH")
    with site.ledger.engine.connect() as conn:
        operator = conn.execute(
            sa.select(store.EVENTS.c.operator).where(store.EVENTS.c.media_id == state.media_id)
        ).scalar()
    assert operator == "pacsdesk"


def test_register_csv_all_or_nothing(client_for: Client, site: Site) -> None:
    client = client_for("pacs-desk")
    csrf = csrf_of(client)
    bad = "nhs_number,destination\n9434765919,RXH\n123,RXH\n9434765870,ZZZ\n"
    r = client.post(
        "/register/csv", data={"csrf": csrf}, files={"file": ("t.csv", bad, "text/csv")}
    )
    assert r.status_code == 400
    assert "2 bad row(s) of 3; nothing was registered" in r.text
    assert "line 3:" in r.text and "line 4:" in r.text
    assert len(site.ledger.list_media()) == 5
    good = "nhs_number,destination\n9434765919,RXH\n9434765870,R1K\n"
    r = client.post(
        "/register/csv", data={"csrf": csrf}, files={"file": ("t.csv", good, "text/csv")}
    )
    assert r.status_code == 200
    assert len(site.ledger.list_media()) == 7


def test_search_by_role(client_for: Client, site: Site) -> None:
    post = client_for("post-room")
    found = post.get(f"/search.json?q={site.media[2].lower()}").json()
    assert found["kind"] == "media ID"
    assert found["found"] == [
        {"media_id": site.media[2], "destination": "RXH", "status": "registered", "urgent": False}
    ]
    refused = post.get(f"/search.json?q={NHS[2]}")
    assert refused.status_code == 400
    assert "for the PACS desk" in refused.json()["error"]
    pacs = client_for("pacs-desk")
    by_nhs = pacs.get(f"/search.json?q={NHS[2][:3]} {NHS[2][3:6]} {NHS[2][6:]}").json()
    assert by_nhs["kind"] == "NHS number"
    assert [f["media_id"] for f in by_nhs["found"]] == [site.media[2]]
    by_accession = pacs.get("/search.json?q=ACC3").json()
    assert by_accession["kind"] == "accession"
    assert by_accession["found"][0]["nhs_number"] == NHS[3]
    assert pacs.get("/search?q=ACC3").status_code == 200


def test_scan_at_an_unknown_site_refused(client_for: Client, site: Site) -> None:
    client = client_for("post-room")
    csrf = client.get("/scan").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/scan",
        json={"code": site.media[0], "action": "dispatch", "site": "ZZZ"},
        headers={"x-csrf-token": csrf, "accept": "application/json"},
    )
    assert r.status_code == 400
    assert "unknown organisation 'ZZZ'" in r.json()["error"]
    r = client.post(
        "/scan",
        json={"code": site.media[0], "action": "launch"},
        headers={"x-csrf-token": csrf, "accept": "application/json"},
    )
    assert r.status_code == 400
    assert site.ledger.show(site.media[0]).state.status == "registered"


def test_badge_sent_from_the_offline_queue_signs_nobody_in(client_for: Client, site: Site) -> None:
    badge = site.accounts.issue_badge("pacsdesk")
    client = client_for("post-room")
    csrf = client.get("/scan").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/scan",
        json={"code": badge, "action": "dispatch", "at": "2026-01-05T09:00:00Z"},
        headers={"x-csrf-token": csrf},
    )
    assert r.json()["outcome"] == "refused"
    assert r.json()["operator"] == "postroom"
    assert "postroom" in client.get("/").text
