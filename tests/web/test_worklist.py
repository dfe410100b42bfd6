"""The PACS desk's worklist: the unreconciled report live, filtered, sorted, acted on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.web.conftest import Site, csrf_of

Client = Callable[[str | None], TestClient]


def backdate(site: Site, days: int) -> None:
    """Send media 0 and 1 `days` ago, receive them, and hand medium 1 to the PACS team."""
    now = site.ledger.clock()
    then = now - timedelta(days=days)
    for code in site.media[:2]:
        site.ledger.scan("dispatch", code, operator="setup", at=then)
        site.ledger.scan(
            "receive", code, site="RXH", operator="setup", at=then + timedelta(hours=2)
        )
    site.ledger.scan(
        "to-pacs", site.media[1], site="RXH", operator="setup", at=then + timedelta(hours=3)
    )


def test_counts_filters_and_threshold(client_for: Client, site: Site) -> None:
    backdate(site, 20)
    client = client_for("pacs-desk")
    data = client.get("/worklist.json").json()
    counts = {c["reason"]: c["count"] for c in data["counts"]}
    # Three never dispatched (registered 0 working days ago, threshold 2: not yet flagged).
    assert counts["not-dispatched"] == 0
    assert counts["not-sent-to-pacs"] == 1
    assert counts["not-imported"] == 1
    rows = {r["media_id"]: r for r in data["rows"]}
    assert rows[site.media[0]]["reason"] == "not-sent-to-pacs"
    assert rows[site.media[0]]["threshold"] == 2
    assert rows[site.media[0]]["working_days"] >= 10
    assert rows[site.media[0]]["nhs_number"] == "9434765919"
    assert rows[site.media[1]]["steps"] == ["imported", "import-failed"]
    assert rows[site.media[0]]["steps"] == ["to-pacs"]
    only = client.get("/worklist.json?reason=not-imported").json()
    assert [r["media_id"] for r in only["rows"]] == [site.media[1]]
    assert only["matching"] == 1 and only["total"] == 2
    assert client.get("/worklist.json?partner=R1K").json()["rows"] == []
    assert client.get("/worklist.json?min_days=400").json()["rows"] == []
    assert client.get("/worklist.json?urgency=urgent").json()["rows"] == []
    page = client.get("/worklist?sort=age")
    assert page.status_code == 200
    assert "working days" in page.text and "threshold 2" in page.text
    bad = client.get("/worklist?reason=nonsense")
    assert bad.status_code == 400 and "not a worklist reason" in bad.text


def test_thresholds_file_is_read(client_for: Client, site: Site) -> None:
    backdate(site, 20)
    site.settings.thresholds.write_text("[thresholds]\nnot-sent-to-pacs = 300\n")
    client = client_for("pacs-desk")
    data = client.get("/worklist.json").json()
    assert {r["reason"] for r in data["rows"]} == {"not-imported"}
    assert data["thresholds"]["not_sent_to_pacs"] == 300


def test_record_a_step_from_a_row(client_for: Client, site: Site) -> None:
    backdate(site, 20)
    client = client_for("pacs-desk")
    csrf = csrf_of(client)
    done = client.post(
        "/worklist/record",
        data={
            "csrf": csrf,
            "media_id": site.media[1],
            "action": "imported",
            "back": "/worklist?reason=not-imported",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/worklist?reason=not-imported&done=")
    state = site.ledger.show(site.media[1]).state
    assert state.status == "imported"
    assert site.ledger.show(site.media[1]).events[-1].operator == "pacsdesk"
    data = client.get("/worklist.json").json()
    assert site.media[1] not in {r["media_id"] for r in data["rows"]}
    refused = client.post(
        "/worklist/record",
        data={"csrf": csrf, "media_id": site.media[1], "action": "dispatch"},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    offsite = client.post(
        "/worklist/record",
        data={"csrf": csrf, "media_id": site.media[1], "action": "imported", "back": "//evil"},
        follow_redirects=False,
    )
    assert offsite.headers["location"].startswith("/worklist?done=")


def test_pacs_check_without_a_pacs_says_how_to_configure(client_for: Client, site: Site) -> None:
    backdate(site, 20)
    client = client_for("pacs-desk")
    answer = client.get("/worklist/pending.json")
    assert answer.status_code == 400
    assert "no PACS configured" in answer.json()["error"]
    csrf = csrf_of(client)
    posted = client.post(
        "/worklist/check",
        json={"media_ids": [site.media[1]]},
        headers={"x-csrf-token": csrf},
    )
    assert posted.status_code == 502 and "no PACS configured" in posted.json()["error"]


def lose_unencrypted(site: Site) -> str:
    """Register an unencrypted disc (with an exception), dispatch it and record it lost."""
    from ledger.api import Registration

    media_id = site.ledger.register(
        Registration(
            nhs_number="9434765838",
            destination="RXH",
            encrypted=False,
            exception="urgent-clinical",
            approved_by="Dr Who",
            exception_reason="trauma transfer",
        ),
        operator="setup",
    ).media_id
    site.ledger.scan("dispatch", media_id, operator="setup")
    site.ledger.scan("lost", media_id, operator="setup")
    return media_id


def test_incidents_breach_first_with_the_ico_clock(client_for: Client, site: Site) -> None:
    lost = lose_unencrypted(site)
    client = client_for("governance")
    data = client.get("/incidents.json").json()
    assert [(b["media_id"], b["reason"]) for b in data["breaches"]] == [(lost, "lost")]
    clock = data["breaches"][0]["ico"]
    assert 71 < clock["hours_left"] <= 72 and not clock["red"]
    page = client.get("/incidents")
    assert "ICO within 72 hours" in page.text
    assert "9434765838" not in page.text and "9434765838" not in str(data)


def test_ir1_from_draft_to_filed_to_closed(client_for: Client, site: Site) -> None:
    lost = lose_unencrypted(site)
    gov = client_for("governance")
    draft = gov.get(f"/incidents/{lost}/lost")
    assert draft.status_code == 200
    assert "943 476 5838" in draft.text  # people affected, for the governance lead
    description = draft.text.split('id="ir1-description">', 1)[1].split("</p>", 1)[0]
    assert "943" not in description
    post_room = client_for("post-room")
    assert post_room.get(f"/incidents/{lost}/lost").status_code == 403
    csrf = csrf_of(gov)
    empty = gov.post(f"/incidents/{lost}/lost/filed", data={"csrf": csrf, "ref": " "})
    assert empty.status_code == 400 and "reference" in empty.text
    filed = gov.post(
        f"/incidents/{lost}/lost/filed", data={"csrf": csrf, "ref": "W12345"}, follow_redirects=True
    )
    assert "IR1 filed as W12345" in filed.text
    assert gov.get("/incidents.json").json()["breaches"][0]["ir1_ref"] == "W12345"
    closed = gov.post(
        f"/incidents/{lost}/lost/close",
        data={"csrf": csrf, "note": "<b>found</b> at the sorting office"},
        follow_redirects=True,
    )
    assert "IR1 closed" in closed.text
    data = gov.get("/incidents.json").json()
    assert data["breaches"] == [] and lost not in {r["media_id"] for r in data["rows"]}
    everything = gov.get("/incidents.json?all=1").json()
    assert any(r["ir1_status"] == "closed" for r in everything["rows"])
    assert gov.get(f"/incidents/{lost}/password-enclosed").status_code == 404


def test_governance_dashboard_and_downloads(client_for: Client, site: Site) -> None:
    import io

    from openpyxl import load_workbook

    backdate(site, 20)
    lose_unencrypted(site)
    gov = client_for("governance")
    this_month = site.ledger.clock().strftime("%Y-%m")
    data = gov.get(f"/governance.json?month={this_month}").json()
    assert data["month"] == this_month
    figures = dict(data["so_far"]["headline"])
    assert figures["Lost"] == "1"
    text = gov.get(f"/governance?month={this_month}").text
    for nhs in ("9434765919", "9434765838"):
        assert nhs not in text and nhs not in str(data)
    xlsx = gov.get(f"/governance/report/{this_month}.xlsx")
    assert xlsx.status_code == 200
    assert f"custody-monthly-{this_month}.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Partners", "Exceptions", "Incidents", "Routes", "Trend"]
    assert gov.get(f"/governance/report/{this_month}.csv").text.startswith("partner,sent,")
    assert gov.get(f"/governance/report/{this_month}.html").text.startswith("<!DOCTYPE html>")
    svg = gov.get(f"/governance/chart/{this_month}/trend.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert gov.get("/governance?month=2026-13").status_code == 400
    assert gov.get(f"/governance/report/{this_month}.pdf").status_code == 400
    assert client_for("pacs-desk").get("/governance").status_code == 403


def partner_manifest(site: Site, folder: Path) -> tuple[Path, list[str]]:
    """RXH's own ledger dispatches two discs to RGT and writes its manifest for RGT."""
    from ledger.api import Ledger, Registration
    from ledger.manifests import export_manifest, write_file

    theirs = Ledger.create(str(folder / "rxh.db"), "RXH", "University Hospitals Sussex")
    theirs.add_org("RGT", "Cambridge University Hospitals")
    ids = []
    for nhs in ("9434765919", "9434765870"):
        media_id = theirs.register(
            Registration(nhs_number=nhs, destination="RGT"), operator="rxh"
        ).media_id
        theirs.scan("dispatch", media_id, operator="rxh")
        ids.append(media_id)
    path = folder / "manifest-for-RGT.json"
    write_file(export_manifest(theirs, "RGT"), path)
    theirs.engine.dispose()
    return path, ids


def test_partners_upload_and_export(client_for: Client, site: Site, tmp_path: Path) -> None:
    manifest, ids = partner_manifest(site, tmp_path)
    desk = client_for("pacs-desk")
    csrf = csrf_of(desk)
    sent = desk.post(
        "/partners/import",
        data={"csrf": csrf},
        files={"file": ("manifest.json", manifest.read_bytes(), "application/json")},
    )
    assert sent.status_code == 200 and "manifest from RXH: 2 recorded" in sent.text
    data = desk.get("/partners.json").json()
    assert sorted(r["media_id"] for r in data["expected"]) == sorted(ids)
    again = desk.post(
        "/partners/import",
        data={"csrf": csrf},
        files={"file": ("manifest.json", manifest.read_bytes(), "application/json")},
    )
    assert "0 recorded, 2 already recorded" in again.text
    tampered = manifest.read_text().replace('"RGT"', '"R1K"', 1)
    refused = desk.post(
        "/partners/import",
        data={"csrf": csrf},
        files={"file": ("manifest.json", tampered.encode(), "application/json")},
    )
    assert refused.status_code == 400 and "nothing imported" in refused.text
    site.ledger.scan("dispatch", site.media[0], operator="setup")
    export = desk.get("/partners/export?partner=RXH&kind=manifest&format=csv")
    assert export.status_code == 200 and site.media[0] in export.text
    assert "attachment" in export.headers["content-disposition"]
    bad = desk.get("/partners/export?partner=ZZZ9&kind=manifest")
    assert bad.status_code == 400


def test_labels_waiting_reprint_and_pdf(client_for: Client, site: Site) -> None:
    room = client_for("post-room")
    data = room.get("/labels.json").json()
    assert [m["media_id"] for m in data["media"]] == site.media
    assert all(m["labelled"] == 0 for m in data["media"])
    csrf = csrf_of(room)
    pdf = room.post(
        "/labels/print",
        data={"csrf": csrf, "media_id": site.media[:2], "template": "avery-l7160", "start": "3"},
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = room.get("/labels.json").json()["media"]
    assert [m["media_id"] for m in again[-2:]] == site.media[:2]  # reprints listed last
    assert again[-1]["labelled"] == 1
    assert "REPRINT" in room.get("/labels").text
    assert site.ledger.show(site.media[0]).events[-1].operator == "postroom"
    none = room.post("/labels/print", data={"csrf": csrf, "template": "avery-l7160"})
    assert none.status_code == 400 and "choose the discs" in none.text
    assert "9434765919" not in room.get("/labels").text


def test_admin_orgs_users_thresholds_pacs_sheet(client_for: Client, site: Site) -> None:
    admin = client_for("admin")
    csrf = csrf_of(admin)

    def post(path: str, **data: Any) -> Any:
        return admin.post(path, data={"csrf": csrf, **data}, follow_redirects=False)

    assert post("/admin/org", op="add", code="RGN", name="Peterborough").status_code == 303
    edited = post(
        "/admin/org", op="edit", code="RXH", name="UH Sussex", address="", email="c@rxh.nhs.uk"
    )
    assert edited.status_code == 303
    assert site.ledger.org("RXH").email == "c@rxh.nhs.uk"
    assert post("/admin/org", op="add", code="rx", name="x").status_code == 400
    added = post(
        "/admin/user", op="add", name="j.smith", role=["pacs-desk", "governance"],
        email="j.smith@nhs.net", password="a long enough password",
    )  # fmt: skip
    assert added.status_code == 303
    assert site.accounts.get("j.smith").roles == ("pacs-desk", "governance")
    weak = post("/admin/user", op="add", name="k.jones", role=["admin"], password="password")
    assert weak.status_code == 400
    assert (
        post("/admin/user", op="edit", name="j.smith", role=["post-room"], email="").status_code
        == 303
    )
    assert site.accounts.get("j.smith").roles == ("post-room",)
    assert post("/admin/user", op="disable", name="j.smith").status_code == 303
    assert site.accounts.get("j.smith").disabled
    saved = post("/admin/thresholds", **{"not_imported": "7", "not_received": "4"})
    assert saved.status_code == 303
    assert "not-imported = 7" in site.settings.thresholds.read_text()
    assert admin.get("/admin.json").json()["thresholds"]["not_imported"] == 7
    bad = post("/admin/thresholds", not_imported="-1")
    assert bad.status_code == 400 and "whole number" in bad.text
    assert "not-imported = 7" in site.settings.thresholds.read_text()
    pacs = post("/admin/pacs", op="save", protocol="dimse", ae_title="ORTHANC", host="127.0.0.1",
                port="1", timeout="2")  # fmt: skip
    assert pacs.status_code == 303
    assert 'ae_title = "ORTHANC"' in site.settings.pacs.read_text()
    tested = post("/admin/pacs", op="test")
    assert tested.status_code == 400 and "127.0.0.1" in tested.text
    sheet = post("/admin/station-sheet", badge=["postroom"])
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert site.accounts.get("postroom").has_badge


def test_worklist_brought_up_to_date_equals_a_fresh_build(site: Site) -> None:
    from reports.thresholds import Thresholds
    from reports.unreconciled import worklist
    from web.backoffice import ReportCache

    backdate(site, 20)
    cache = ReportCache()
    day = site.ledger.clock().date()
    first = cache.worklist(site.ledger, day, Thresholds())
    assert cache.worklist(site.ledger, day, Thresholds()) is first  # nothing changed: kept
    site.ledger.scan("imported", site.media[1], operator="x")
    site.ledger.scan("to-pacs", site.media[0], operator="x")
    old = site.ledger.clock() - timedelta(days=15)
    site.ledger.scan("dispatch", site.media[2], operator="x", at=old)
    live = cache.worklist(site.ledger, day, Thresholds()).frame
    fresh = worklist(site.ledger, day, Thresholds())
    assert live.to_dict("records") == fresh.to_dict("records")
    # Imported and just handed over: off the list; dispatched 15 days ago: on it.
    assert list(zip(live["media_id"], live["reason"], strict=True)) == [
        (site.media[2], "not-received")
    ]
    assert cache.worklist(site.ledger, day, Thresholds()).counts["not-received"] == 1


def _cells(html: str) -> list[str]:
    """The text of every table cell in a page."""
    import re

    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]


def test_unexpected_arrival_shows_no_nan(client_for: Client, site: Site) -> None:
    """A partner's disc that arrives unannounced has no NHS number or accession: "-" (#14)."""
    from ledger.ids import make_media_id

    stranger = str(make_media_id("RXH", 7))
    site.ledger.scan("receive", stranger, site="RGT", operator="post")
    backdate(site, 20)  # and rows that do carry the patient identifiers
    page = client_for("pacs-desk").get("/worklist")
    assert page.status_code == 200
    row = page.text.split(f'data-media="{stranger}"', 1)[1].split("</tr>", 1)[0]
    assert "unexpected-arrival" in row
    cells = _cells(row.split(">", 1)[1])
    assert cells[6:8] == ["-", "-"], cells
    assert "9434765919" in page.text


def test_no_missing_value_leaks_into_any_table(client_for: Client, site: Site) -> None:
    """Every GET page's table cells, on a ledger with an unexpected arrival: no nan/NaT/None."""
    from ledger.ids import make_media_id

    stranger = str(make_media_id("RXH", 7))
    site.ledger.scan("receive", stranger, site="RGT", operator="post")
    backdate(site, 20)
    site.ledger.scan("lost", site.media[2], operator="setup")
    pages = {
        "pacs-desk": ["/worklist", f"/media/{stranger}", f"/search?q={stranger}"],
        "governance": ["/governance", "/incidents", f"/media/{site.media[2]}"],
        "post-room": ["/", "/scan", "/labels"],
        "admin": ["/admin"],
    }
    for role, paths in pages.items():
        client = client_for(role)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, (role, path, page.status_code)
            leaked = {c for c in _cells(page.text) if c.lower() in ("nan", "nat", "none", "<na>")}
            assert not leaked, (role, path, leaked)


def test_admin_registers_a_partners_public_key(client_for: Client, site: Site) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.signing import public_text

    admin = client_for("admin")
    csrf = csrf_of(admin)
    key = public_text(Ed25519PrivateKey.generate().public_key())

    def edit(public_key: str) -> Any:
        data = {"csrf": csrf, "op": "edit", "code": "RXH", "name": site.ledger.org("RXH").name,
                "address": "", "email": "", "public_key": public_key}  # fmt: skip
        return admin.post("/admin/org", data=data, follow_redirects=False)

    assert edit(key).status_code == 303
    assert site.ledger.org("RXH").public_key == key
    assert key in admin.get("/admin").text
    assert edit("").status_code == 303  # blank: the registered key stays
    assert site.ledger.org("RXH").public_key == key
    refused = edit("ed25519:not-a-key")
    assert refused.status_code == 400 and "is not an Ed25519 public key" in refused.text
    assert site.ledger.org("RXH").public_key == key
    home = site.ledger.home.code
    data = {"csrf": csrf, "op": "edit", "code": home, "name": "x", "address": "", "email": "",
            "public_key": key}  # fmt: skip
    assert admin.post("/admin/org", data=data, follow_redirects=False).status_code == 400
    added = {"csrf": csrf, "op": "add", "code": "RGN", "name": "Peterborough",
             "address": "", "public_key": key}  # fmt: skip
    assert admin.post("/admin/org", data=added, follow_redirects=False).status_code == 303
    assert site.ledger.org("RGN").public_key == key
