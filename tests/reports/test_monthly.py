"""`report monthly`: partner figures, routes, the chain head at month end; no patient data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.monthly import Monthly, monthly
from reports.thresholds import Thresholds
from tests.cli_helpers import custody
from tests.reports.conftest import Book, uk


@pytest.fixture
def january(book: Book) -> Book:
    """January 2026: four discs to RGN (one unencrypted with an exception), one lost to RM1."""
    for day, password in (("05", "email"), ("06", "email"), ("07", "enclosed")):
        m = book.register(f"2026-01-{day} 09:00")
        book.password(m, f"2026-01-{day} 09:10", via=password)
        book.scan("dispatch", m, f"2026-01-{day} 10:00")
        book.scan("receive", m, f"2026-01-{int(day) + 2:02d} 10:00", site="RGN")
        book.scan("to-pacs", m, f"2026-01-{int(day) + 2:02d} 11:00", site="RGN")
        book.scan("imported", m, f"2026-01-{int(day) + 5:02d} 11:00", site="RGN")
    m = book.register("2026-01-08 09:00", encrypted=False, exception="patient-handover")
    book.scan("dispatch", m, "2026-01-08 10:00")
    m = book.register("2026-01-12 09:00", to="RM1")
    book.password(m, "2026-01-12 09:10")
    book.scan("dispatch", m, "2026-01-12 10:00")
    book.scan("lost", m, "2026-01-26 10:00")
    book.ledger.ir1_filed(
        m, reason="lost", ref="DATIX-77", operator="gov", at=uk("2026-01-27 09:00")
    )
    book.ledger.transfer("RGN", route="iep", operator="admin", at=uk("2026-01-14 10:00"))
    book.ledger.transfer("RM1", route="dicom-push", operator="admin", at=uk("2026-01-15 10:00"))
    # December and February activity that January must not count.
    book.register("2025-12-15 09:00")
    book.ledger.transfer("RGN", route="iep", operator="admin", at=uk("2026-02-02 09:00"))
    return book


def report(book: Book) -> Monthly:
    return monthly(book.ledger, "2026-01", Thresholds())


def test_partner_table(january: Book) -> None:
    p = report(january).partners.set_index("partner")
    rgn = p.loc["RGN North Partner Trust"]
    assert (rgn["sent"], rgn["electronic"], rgn["imported"], rgn["lost"]) == (4, 1, 3, 0)
    assert rgn["encrypted_pct"] == 75.0
    assert rgn["exceptions"] == 1
    # Of three encrypted discs, one password went in the parcel.
    assert rgn["password_compliance_pct"] == pytest.approx(66.7)
    # Dispatched Mon/Tue/Wed, received two days later: 2 working days each.
    assert (rgn["median_days_to_receipt"], rgn["p90_days_to_receipt"]) == (2.0, 2.0)
    # Received Wed/Thu/Fri, imported three days later (Sat/Sun/Mon): 2, 1 and 1 working days.
    assert rgn["median_days_to_import"] == 1.0
    rm1 = p.loc["RM1 East Partner Trust"]
    assert (rm1["sent"], rm1["lost"], rm1["ir1_filed"], rm1["electronic"]) == (1, 1, 1, 1)
    # Lost, and 10 working days passed before it was recorded lost: two incidents.
    assert rm1["incidents"] == 2
    total = p.loc["Total"]
    assert (total["sent"], total["electronic"], total["lost"]) == (5, 2, 1)
    assert total["encrypted_pct"] == 80.0


def test_routes_incidents_and_exceptions(january: Book) -> None:
    r = report(january)
    routes = r.routes.set_index("route")["transfers"].to_dict()
    assert routes["CD"] == 5 and routes["Image Exchange Portal"] == 1
    assert routes["DICOM push link"] == 1
    incidents = r.incidents.set_index("reason")
    assert incidents.loc["lost", "ir1_filed"] == 1
    assert incidents.loc["password-enclosed", "found"] == 1
    assert r.exceptions.set_index("exception").loc["patient-handover", "media"] == 1


def test_chain_head_at_the_end_of_the_month(january: Book) -> None:
    r = report(january)
    # Everything was recorded at the fixed "now" (2 Feb), after the month: no events yet.
    assert r.events == 0
    events, head = january.ledger.head_at(uk("2026-02-02 12:00"))
    chain = january.ledger.verify_chain()
    assert events == chain.events and head == chain.head


def test_head_as_of_a_time_is_the_last_event_recorded_by_then(book: Book) -> None:
    book.now[0] = uk("2026-01-05 09:00")
    first = book.register("2026-01-05 09:00")
    after_one = book.ledger.verify_chain()
    book.now[0] = uk("2026-01-06 09:00")
    book.scan("dispatch", first, "2026-01-06 09:00")
    assert tuple(book.ledger.head_at(uk("2026-01-05 23:59"))) == tuple(after_one)
    assert book.ledger.head_at(uk("2026-01-01 00:00")).events == 0


def test_no_patient_identifiers_in_any_format(january: Book, tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    texts = []
    for fmt in ("table", "csv", "json", "html"):
        result = custody(db, "report", "monthly", "--month", "2026-01", "--format", fmt)
        assert result.exit_code == 0, result.output
        texts.append(result.output)
    xlsx = tmp_path / "m.xlsx"
    result = custody(db, "report", "monthly", "--month", "2026-01", "-f", "xlsx", "-o", str(xlsx))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(xlsx) as z:
        texts += [z.read(n).decode() for n in z.namelist() if n.endswith(".xml")]
    blob = "\n".join(texts)
    assert "RGN North Partner Trust" in blob  # the check reads what the report wrote
    for media_id, (nhs, accession, uid) in january.patients.items():
        for secret in (nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", accession, uid):
            assert secret not in blob, secret
        assert media_id not in blob
    assert json.loads(texts[2])[-1]["partner"] == "Total"


def test_xlsx_sheets_numbers_frozen_header_widths(january: Book, tmp_path: Path) -> None:
    from reports.output import write_xlsx

    path = tmp_path / "m.xlsx"
    write_xlsx(report(january).tables, path)
    book = load_workbook(path)
    assert book.sheetnames == ["Partners", "Exceptions", "Incidents", "Routes", "Trend"]
    sheet = book["Partners"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["partner", "sent", "received"]
    assert all(c.font.bold for c in sheet[1])
    total = [c.value for c in sheet[sheet.max_row]]
    assert total[0] == "Total" and total[1] == 5 and isinstance(total[1], int)
    assert total[header.index("encrypted_pct")] == 80  # a number, not the text "80.0"
    assert sheet.column_dimensions["A"].width >= len("RGN North Partner Trust")
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)


def test_a_voided_transfer_is_not_counted(january: Book) -> None:
    wrong = january.ledger.transfer(
        "RGN", route="nhsmail", operator="admin", at=uk("2026-01-20 10:00")
    )
    january.ledger.correct(wrong.event_id, reason="sent to the wrong trust", operator="admin")
    r = report(january)
    assert r.routes.set_index("route").loc["NHSmail", "transfers"] == 0
    assert r.trend.set_index("month").loc["2026-01", "electronic"] == 2
    assert r.partners.set_index("partner").loc["Total", "electronic"] == 2


def test_the_month_end_digest_of_a_month_with_events(book: Book) -> None:
    """Recorded during January, then more in February: January's digest is the head as it
    stood at the end of January, as `verify` printed it then."""
    book.now[0] = uk("2026-01-05 09:30")
    first = book.register("2026-01-05 09:00")
    book.now[0] = uk("2026-01-30 16:00")
    book.scan("dispatch", first, "2026-01-30 15:00")
    book.now[0] = uk("2026-01-31 23:59")
    printed_at_month_end = book.ledger.verify_chain()
    book.now[0] = uk("2026-02-01 00:01")
    book.scan("receive", first, "2026-02-01 00:00", site="RGN")
    book.now[0] = uk("2026-02-03 12:00")
    r = report(book)
    assert (r.events, r.head) == (2, printed_at_month_end.head)
    assert printed_at_month_end.events == 2 and book.ledger.verify_chain().events == 3
