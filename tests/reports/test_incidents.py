"""`report incidents`: exactly which (medium, reason) pairs each rule flags; the IR1 workflow."""

from __future__ import annotations

import uuid
import warnings
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from ledger.api import Ledger
from ledger.errors import InvalidValue
from ledger.events import Event
from ledger.manifests import export_manifest, import_manifest
from ledger.reasons import INCIDENT_REASONS
from reports.incidents import RULES, incidents
from reports.thresholds import Thresholds
from tests.reports.conftest import Book, uk


@pytest.fixture
def media(book: Book) -> dict[str, str]:
    m = {}
    # Each sends its password on time unless the test is about the password.
    m["lost"] = book.register("2026-01-05 09:00")
    book.password(m["lost"], "2026-01-05 09:10")
    book.scan("dispatch", m["lost"], "2026-01-05 10:00")
    book.scan("lost", m["lost"], "2026-01-20 10:00")
    m["overdue"] = book.register("2026-01-05 09:00")  # 10 working days pass on Mon 19 Jan
    book.password(m["overdue"], "2026-01-05 09:10")
    book.scan("dispatch", m["overdue"], "2026-01-05 10:00")
    m["late"] = book.register("2026-01-05 09:00")  # received after 11 working days
    book.password(m["late"], "2026-01-05 09:10")
    book.scan("dispatch", m["late"], "2026-01-05 10:00")
    book.scan("receive", m["late"], "2026-01-20 10:00", site="RGN")
    m["ontime"] = book.register("2026-01-05 09:00")
    book.password(m["ontime"], "2026-01-05 09:10")
    book.scan("dispatch", m["ontime"], "2026-01-05 10:00")
    book.scan("receive", m["ontime"], "2026-01-07 10:00", site="RGN")
    m["urgent"] = book.register("2026-01-08 09:00", urgent=True)  # Thu; 2 days on Mon 12 Jan
    book.password(m["urgent"], "2026-01-08 09:10")
    book.scan("dispatch", m["urgent"], "2026-01-08 10:00")
    m["failed"] = book.register("2026-01-05 09:00")
    book.password(m["failed"], "2026-01-05 09:10")
    book.scan("dispatch", m["failed"], "2026-01-05 10:00")
    book.scan("receive", m["failed"], "2026-01-06 10:00", site="RGN")
    book.scan("to-pacs", m["failed"], "2026-01-06 11:00", site="RGN")
    book.scan("import-failed", m["failed"], "2026-01-07 10:00", site="RGN")
    m["bare"] = book.register("2026-01-05 09:00", encrypted=False)  # bulk: no exception
    m["nopass"] = book.register("2026-01-07 09:00")
    book.scan("dispatch", m["nopass"], "2026-01-09 10:00")  # Fri: 2 working days on Tue
    book.scan("receive", m["nopass"], "2026-01-12 10:00", site="RGN")
    m["enclosed"] = book.register("2026-01-05 09:00")
    book.password(m["enclosed"], "2026-01-05 09:30", via="enclosed")
    m["wrong"] = book.register("2026-01-05 09:00")
    book.password(m["wrong"], "2026-01-05 09:10")
    book.scan("dispatch", m["wrong"], "2026-01-05 10:00")
    book.scan("receive", m["wrong"], "2026-01-06 10:00", site="RM1")
    m["skipped"] = book.register("2026-01-05 09:00")
    book.password(m["skipped"], "2026-01-05 09:10")
    book.scan("receive", m["skipped"], "2026-01-06 10:00", site="RGN")  # never dispatched
    m["partial"] = book.register("2026-01-05 09:00")
    book.password(m["partial"], "2026-01-05 09:10")
    book.scan("dispatch", m["partial"], "2026-01-05 10:00")
    book.scan("receive", m["partial"], "2026-01-06 10:00", site="RGN")
    book.scan("to-pacs", m["partial"], "2026-01-06 11:00", site="RGN")
    # What `custody pacs verify` (issue 8) records when PACS holds fewer instances.
    book.ledger.record_events(
        [
            Event(
                str(uuid.uuid4()),
                m["partial"],
                "import-partial",
                uk("2026-01-07 10:00"),
                uk("2026-01-07 10:00"),
                "RGN",
                "pacs",
                {"expected": 120, "found": 96},
            )
        ]
    )
    return m


def found(book: Book, media: dict[str, str], day: date, **kw: object) -> set[tuple[str, str]]:
    """The (name, reason) pairs flagged as of `day`."""
    df = incidents(book.ledger, day, Thresholds(), since=date(2026, 1, 1), **kw)  # type: ignore[arg-type]
    names = {v: k for k, v in media.items()}
    return {(names[m], r) for m, r in zip(df["media_id"], df["reason"], strict=True)}


def test_every_reason_exactly(book: Book, media: dict[str, str]) -> None:
    assert found(book, media, date(2026, 1, 30)) == {
        ("lost", "lost"),
        ("lost", "overdue-receipt"),  # 10 working days passed (19 Jan) before it was lost
        ("overdue", "overdue-receipt"),
        ("late", "overdue-receipt"),
        ("urgent", "overdue-receipt"),
        ("failed", "import-failed"),
        ("partial", "import-partial"),
        ("bare", "unencrypted-no-exception"),
        ("nopass", "password-not-sent"),
        ("enclosed", "password-enclosed"),
        ("wrong", "misdelivered"),
        ("skipped", "sequence-anomaly"),
    }


def test_overdue_receipt_at_ten_working_days_and_two_when_urgent(
    book: Book, media: dict[str, str]
) -> None:
    by_16 = found(book, media, date(2026, 1, 16))
    assert ("overdue", "overdue-receipt") not in by_16  # Fri 16 Jan: 9 working days
    assert ("overdue", "overdue-receipt") in found(book, media, date(2026, 1, 19))
    # Urgent, dispatched Thu 8 Jan: Fri is 1 working day, the weekend none, Mon 12 Jan 2.
    assert ("urgent", "overdue-receipt") not in found(book, media, date(2026, 1, 11))
    assert ("urgent", "overdue-receipt") in found(book, media, date(2026, 1, 12))


def test_password_not_sent_within_one_working_day_over_a_weekend(
    book: Book, media: dict[str, str]
) -> None:
    # Dispatched Fri 9 Jan with no password: Mon 12 Jan is 1 working day, Tue 13 Jan 2.
    assert ("nopass", "password-not-sent") not in found(book, media, date(2026, 1, 12))
    assert ("nopass", "password-not-sent") in found(book, media, date(2026, 1, 13))


def test_detected_at_is_when_the_finding_arose(book: Book, media: dict[str, str]) -> None:
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    at = {
        (m, r): t.tz_convert("Europe/London").strftime("%Y-%m-%d %H:%M")
        for m, r, t in zip(df["media_id"], df["reason"], df["detected_at"], strict=True)
    }
    assert at[(media["overdue"], "overdue-receipt")] == "2026-01-19 00:00"
    assert at[(media["lost"], "lost")] == "2026-01-20 10:00"
    assert at[(media["wrong"], "misdelivered")] == "2026-01-06 10:00"


def test_ir1_filed_then_closed(book: Book, media: dict[str, str]) -> None:
    book.ledger.ir1_filed(media["lost"], reason="lost", ref="DATIX-1234", operator="gov")
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    row = df[(df["media_id"] == media["lost"]) & (df["reason"] == "lost")].iloc[0]
    assert (row["ir1_status"], row["ir1_ref"]) == ("filed", "DATIX-1234")
    other = df[(df["media_id"] == media["lost"]) & (df["reason"] == "overdue-receipt")].iloc[0]
    assert other["ir1_status"] == "to-file"
    book.ledger.ir1_closed(media["lost"], reason="lost", note="found in post room", operator="gov")
    assert ("lost", "lost") not in found(book, media, date(2026, 1, 30))
    closed = incidents(
        book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1), include_closed=True
    )
    row = closed[(closed["media_id"] == media["lost"]) & (closed["reason"] == "lost")].iloc[0]
    assert (row["ir1_status"], row["ir1_ref"]) == ("closed", "DATIX-1234")
    assert book.ledger.show(media["lost"]).state.status == "lost"  # IR1 events change no status


def test_a_lost_unencrypted_disc_is_a_possible_breach_with_a_72_hour_clock(book: Book) -> None:
    media_id = book.register("2026-01-05 09:00", encrypted=False, exception="urgent-clinical")
    book.scan("dispatch", media_id, "2026-01-05 10:00")
    book.scan("lost", media_id, "2026-01-08 15:30")
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    row = df[(df["media_id"] == media_id) & (df["reason"] == "lost")].iloc[0]
    assert bool(row["data_breach"]) is True
    assert row["ico_deadline"] == pd.Timestamp(uk("2026-01-08 15:30")) + timedelta(hours=72)


def test_an_encrypted_lost_disc_is_not_a_breach(book: Book, media: dict[str, str]) -> None:
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    row = df[(df["media_id"] == media["lost"]) & (df["reason"] == "lost")].iloc[0]
    assert not row["data_breach"] and pd.isna(row["ico_deadline"])


def test_a_voided_scan_is_no_incident(book: Book) -> None:
    media_id = book.register("2026-01-05 09:00")
    book.password(media_id, "2026-01-05 09:10")
    book.scan("dispatch", media_id, "2026-01-05 10:00")
    wrong = book.ledger.scan("lost", media_id, operator="clerk", at=uk("2026-01-06 10:00"))
    book.scan("receive", media_id, "2026-01-07 10:00", site="RGN")
    assert wrong.event_id
    book.ledger.correct(wrong.event_id, reason="wrong disc", operator="admin")
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    assert media_id not in set(df["media_id"])


def test_descriptions_carry_no_patient_identifiers(book: Book, media: dict[str, str]) -> None:
    df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    text = " ".join(df["what"]) + " ".join(df["where"]) + " ".join(df["impact"])
    for nhs, accession, uid in book.patients.values():
        assert nhs not in text and accession not in text and uid not in text


def test_rules_are_the_reason_codes_in_order() -> None:
    assert [code for code, _ in RULES] == list(INCIDENT_REASONS)


def test_a_receiver_finds_only_the_incidents_of_discs_it_holds(book: Book, tmp_path: Path) -> None:
    """At RGN: RGT's discs announced by manifest, and one that came unannounced.

    RGN never records passwords or encryption decisions for discs it did not
    send, and it does not post them, so the sender's reasons are not RGN's.
    """
    encrypted = book.register("2026-01-05 09:00")
    bare = book.register("2026-01-05 09:10", encrypted=False)  # no exception: RGT's incident
    enclosed = book.register("2026-01-05 09:20")
    book.password(enclosed, "2026-01-05 09:30", via="enclosed")
    missing = book.register("2026-01-05 09:40")
    for media_id in (encrypted, bare, enclosed, missing):
        book.scan("dispatch", media_id, "2026-01-05 10:00")
    rgn = Ledger.create(str(tmp_path / "rgn.db"), "RGN", "North", clock=lambda: book.now[0])
    rgn.add_org("RGT", "Home Trust")
    assert import_manifest(rgn, export_manifest(book.ledger, "RGN"), operator="post").recorded
    stranger = "RJ100000001U"
    for media_id in (encrypted, bare, enclosed, stranger):
        assert rgn.scan("receive", media_id, operator="post", at=uk("2026-01-06 10:00")).event_id
    # Any medium: a failed import, a scan out of order (imported without going to PACS).
    rgn.scan("to-pacs", encrypted, operator="post", at=uk("2026-01-06 11:00"))
    rgn.scan("import-failed", encrypted, operator="post", at=uk("2026-01-07 10:00"))
    rgn.scan("imported", stranger, operator="post", at=uk("2026-01-07 11:00"))

    df = incidents(rgn, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    assert set(zip(df["media_id"], df["reason"], strict=True)) == {
        (encrypted, "import-failed"),
        (stranger, "sequence-anomaly"),
    }
    # The sender sees its own: the unencrypted disc, the enclosed password, the
    # passwords never sent, and the disc that never arrived.
    sent = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    assert set(zip(sent["media_id"], sent["reason"], strict=True)) == {
        (bare, "unencrypted-no-exception"),
        (enclosed, "password-enclosed"),
        (encrypted, "password-not-sent"),
        (missing, "password-not-sent"),
        (missing, "overdue-receipt"),
        (enclosed, "overdue-receipt"),
        (encrypted, "overdue-receipt"),
        (bare, "overdue-receipt"),
    }


def test_since_after_as_of_is_an_error(book: Book) -> None:
    # The library names its inputs; the CLI's flags are tested in test_cli_reports.
    with pytest.raises(InvalidValue, match=r"^since 2026-01-31 is after as_of 2026-01-30") as err:
        incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 31))
    assert err.value.fields == ("since", "as_of")
    one_day = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 30))
    assert one_day.empty


def test_overdue_receipt_with_no_receipt_in_the_ledger_at_all(book: Book) -> None:
    # received_at is then all empty (pandas gives it its own time unit): the end day of a lost
    # disc still comes from its status time, and no pandas warning is raised on the way (#6).
    lost, early = book.register("2026-01-05 09:00"), book.register("2026-01-05 09:00")
    for code in (lost, early):
        book.password(code, "2026-01-05 09:10")
        book.scan("dispatch", code, "2026-01-05 10:00")
    book.scan("lost", lost, "2026-01-20 10:00")  # after 10 working days (Mon 19 Jan)
    book.scan("lost", early, "2026-01-16 10:00")  # before them
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = incidents(book.ledger, date(2026, 1, 30), Thresholds(), since=date(2026, 1, 1))
    overdue = set(df.loc[df["reason"] == "overdue-receipt", "media_id"])
    assert overdue == {lost}
