"""`custody ir1 draft|filed|close` and `custody transfer`, run in-process."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from reports.incidents import incidents
from reports.ir1 import draft, draft_text
from reports.thresholds import Thresholds
from tests.cli_helpers import custody as run_custody
from tests.reports.conftest import Book, uk


def custody(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = run_custody(str(tmp_path / "ledger.db"), *args)
    return result.exit_code, result.output


def lost_unencrypted(book: Book) -> str:
    media_id = book.register("2026-01-05 09:00", encrypted=False, exception="urgent-clinical")
    book.scan("dispatch", media_id, "2026-01-05 10:00")
    book.scan("lost", media_id, "2026-01-08 15:30")
    return media_id


def test_draft_keeps_patient_details_out_of_description_and_actions(book: Book) -> None:
    media_id = lost_unencrypted(book)
    d = draft(book.ledger, media_id, Thresholds())
    nhs, accession, uid = book.patients[media_id]
    free_text = d.description + " ".join(d.actions) + d.location + d.category
    for secret in (nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", accession, uid):
        assert secret not in free_text
    assert dict(d.patient)["Accession number"] == accession
    text = draft_text(d)
    people = text.index("People affected")
    assert text.index(f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}") > people
    assert text.index(accession) > people
    assert "Incident date and time:  2026-01-08 15:30 (Europe/London)" in text
    assert "within 72 hours" in text and "by 2026-01-11 15:30" in text
    assert d.other_reasons == ()


def test_draft_of_an_encrypted_lost_disc_says_lower_risk(book: Book) -> None:
    media_id = book.register("2026-01-05 09:00")
    book.password(media_id, "2026-01-05 09:10")
    book.scan("dispatch", media_id, "2026-01-05 10:00")
    book.scan("lost", media_id, "2026-01-08 15:30")
    text = draft_text(draft(book.ledger, media_id, Thresholds(), reason="lost"))
    assert "72 hours" not in text
    assert "The disc was encrypted, with its password sent separately by email: far lower" in text
    assert "Password recorded as sent by email, 2026-01-05 09:10." in text


def test_cli_ir1_workflow_and_errors(book: Book, tmp_path: Path) -> None:
    media_id = lost_unencrypted(book)
    code, out = custody(tmp_path, "ir1", "draft", media_id, "--html")
    assert (
        code == 0 and out.startswith("<!DOCTYPE html>") and "POSSIBLE PERSONAL DATA BREACH" in out
    )
    code, out = custody(tmp_path, "ir1", "filed", media_id, "--reason", "lost", "--ref", "W123")
    assert (code, out) == (0, f"OK {media_id} lost: IR1 filed as W123\n")
    code, out = custody(tmp_path, "ir1", "filed", media_id, "--reason", "stolen", "--ref", "W1")
    assert code == 1 and "error: --reason 'stolen' is not an incident reason" in out
    code, out = custody(tmp_path, "ir1", "close", media_id, "--reason", "lost", "--note", "found")
    assert (code, out) == (0, f"OK {media_id} lost: IR1 closed\n")
    assert book.ledger.show(media_id).state.status == "lost"
    code, out = custody(tmp_path, "ir1", "draft", media_id, "--reason", "misdelivered")
    assert code == 1 and f"error: {media_id} has no IR1 candidate for misdelivered" in out


def test_cli_transfer_records_a_hash_chained_event(book: Book, tmp_path: Path) -> None:
    before = book.ledger.verify_chain().events
    code, out = custody(
        tmp_path,
        "transfer",
        "--to",
        "RGN",
        "--route",
        "iep",
        "--accession",
        "ACC1",
        "--at",
        "2026-01-14T10:00",
    )
    assert code == 0 and re.fullmatch(r"RGT\d{8}[0-9A-Z]\n", out)
    assert book.ledger.verify_chain().events == before + 1
    events = book.ledger.show(out.strip()).events
    assert [(e.action, e.detail["route"], e.at) for e in events] == [
        ("transfer", "iep", uk("2026-01-14 10:00"))
    ]
    code, out = custody(tmp_path, "transfer", "--to", "RGT", "--route", "iep")
    assert code == 1 and "error: destination RGT is the home organisation" in out
    code, out = custody(tmp_path, "transfer", "--to", "RGN", "--route", "fax")
    assert code == 2


def test_a_lost_or_overdue_discs_tracking_reference_is_in_its_report_and_draft(
    book: Book,
) -> None:
    lost = lost_unencrypted(book)
    book.ledger.attach_tracking([lost], "AB123456785GB", operator="post", at=uk("2026-01-05 10:00"))
    late = book.register("2026-01-05 09:00")
    book.scan("dispatch", late, "2026-01-05 10:00")
    book.ledger.attach_tracking([late], "DPD 15501234567890", operator="post")
    d = draft(book.ledger, lost, Thresholds())
    assert d.description.endswith("It was sent by tracked delivery, reference AB 1234 5678 5 GB.")
    assert "Trace the parcel with the carrier: tracking reference AB 1234 5678 5 GB." in d.actions
    overdue = draft(book.ledger, late, Thresholds(), reason="overdue-receipt")
    assert "reference DPD 15501234567890." in overdue.description
    report = incidents(book.ledger, date(2026, 2, 2), Thresholds(), since=date(2026, 1, 1))
    tracking = {(r.media_id, r.reason): r.tracking for r in report.itertuples(index=False)}
    assert tracking[(lost, "lost")] == "AB123456785GB"
    assert tracking[(late, "overdue-receipt")] == "DPD 15501234567890"
