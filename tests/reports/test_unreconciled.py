"""`report unreconciled`: exactly which media each reason flags, and when."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.api import Ledger
from ledger.manifests import export_manifest, import_manifest
from ledger.reasons import UNRECONCILED_REASONS
from reports.thresholds import Thresholds
from reports.unreconciled import RULES, unreconciled
from tests.reports.conftest import Book, uk


@pytest.fixture
def media(book: Book) -> dict[str, str]:
    m = {}
    m["a"] = book.register("2025-12-22 10:00")  # Mon; never dispatched
    m["b"] = book.register("2025-12-23 10:00")
    book.scan("dispatch", m["b"], "2025-12-24 09:00")  # Wed; never received
    m["c"] = book.register("2025-12-23 11:00", urgent=True)
    book.scan("dispatch", m["c"], "2025-12-24 09:30")  # urgent; never received
    m["d"] = book.register("2025-12-29 10:00")
    book.scan("dispatch", m["d"], "2025-12-30 10:00")
    book.scan("receive", m["d"], "2026-01-02 11:00", site="RGN")  # Fri; not to PACS
    m["e"] = book.register("2025-12-30 10:00", to="RM1")
    book.scan("dispatch", m["e"], "2025-12-31 10:00")
    book.scan("receive", m["e"], "2026-01-05 10:00", site="RM1")
    book.scan("to-pacs", m["e"], "2026-01-06 10:00", site="RM1")  # Tue; not imported
    m["f"] = book.register("2025-12-30 11:00")
    book.scan("dispatch", m["f"], "2025-12-31 11:00")
    book.scan("receive", m["f"], "2026-01-05 11:00", site="RGN")
    book.scan("to-pacs", m["f"], "2026-01-05 12:00", site="RGN")
    book.scan("import-failed", m["f"], "2026-01-07 09:00", site="RGN")
    m["g"] = book.register("2025-12-30 12:00")
    book.scan("dispatch", m["g"], "2025-12-31 12:00")
    book.scan("receive", m["g"], "2026-01-05 12:00", site="RGN")
    book.scan("to-pacs", m["g"], "2026-01-05 13:00", site="RGN")
    book.scan("imported", m["g"], "2026-01-05 14:00", site="RGN")
    return m


def flagged(book: Book, media: dict[str, str], day: date) -> dict[str, str]:
    """Which of the named media are flagged, and why."""
    df = unreconciled(book.ledger, day, Thresholds())
    names = {v: k for k, v in media.items()}
    return {names[m]: r for m, r in zip(df["media_id"], df["reason"], strict=True)}


def test_every_reason_on_a_working_friday(book: Book, media: dict[str, str]) -> None:
    assert flagged(book, media, date(2026, 1, 9)) == {
        "a": "not-dispatched",
        "b": "not-received",
        "c": "not-received",
        "d": "not-sent-to-pacs",
        "e": "not-imported",
        "f": "import-failed",
    }


def test_not_dispatched_after_two_working_days(book: Book, media: dict[str, str]) -> None:
    assert "a" not in flagged(book, media, date(2025, 12, 23))
    assert flagged(book, media, date(2025, 12, 24))["a"] == "not-dispatched"


def test_urgent_not_received_after_one_working_day_not_on_boxing_day(
    book: Book, media: dict[str, str]
) -> None:
    # Dispatched Wed 24 Dec: 25 and 26 Dec are bank holidays, 27 and 28 a weekend.
    assert flagged(book, media, date(2025, 12, 28)) == {"a": "not-dispatched"}
    assert flagged(book, media, date(2025, 12, 29)) == {"a": "not-dispatched", "c": "not-received"}


def test_not_received_skips_new_years_day(book: Book, media: dict[str, str]) -> None:
    # 29, 30, 31 Dec and 2 Jan are 4 working days; 1 Jan is a bank holiday.
    assert "b" not in flagged(book, media, date(2026, 1, 2))
    assert flagged(book, media, date(2026, 1, 5))["b"] == "not-received"


def test_not_sent_to_pacs_over_a_weekend(book: Book, media: dict[str, str]) -> None:
    # Received Fri 2 Jan: Mon 5 Jan is 1 working day, Tue 6 Jan 2.
    assert "d" not in flagged(book, media, date(2026, 1, 5))
    assert flagged(book, media, date(2026, 1, 6))["d"] == "not-sent-to-pacs"


def test_rows_carry_patient_identifiers_for_the_pacs_team(
    book: Book, media: dict[str, str]
) -> None:
    df = unreconciled(book.ledger, date(2026, 1, 9), Thresholds())
    row = df[df["media_id"] == media["d"]].iloc[0]
    nhs, accession, uid = book.patients[media["d"]]
    assert (row["nhs_number"], row["accession"], row["study_uid"]) == (nhs, accession, uid)
    assert row["working_days"] == 5
    assert row["status"] == "received"
    assert list(df.columns) == [
        "media_id",
        "reason",
        "status",
        "since",
        "working_days",
        "destination",
        "urgent",
        "nhs_number",
        "accession",
        "study_uid",
        "tracking",
    ]


def test_thresholds_from_the_config_change_the_answer(book: Book, media: dict[str, str]) -> None:
    df = unreconciled(book.ledger, date(2026, 1, 9), Thresholds(not_dispatched=20))
    assert media["a"] not in set(df["media_id"])


def test_rules_are_the_reason_codes_in_order() -> None:
    assert [code for code, _ in RULES] == list(UNRECONCILED_REASONS)


def test_unexpected_arrival_is_flagged_at_once_and_names_its_issuer() -> None:
    # The scan station (issue 5) records these: a receipt of a medium never registered here.
    from ledger.queries import MEDIA_COLUMNS, PATIENT_COLUMNS, Rows
    from reports.frames import basis, media_frame
    from reports.unreconciled import flag

    values = dict.fromkeys(MEDIA_COLUMNS + PATIENT_COLUMNS)
    values.update(
        media_id="RGN00000042K",
        registered=False,
        issuer="",
        destination="",
        status="received",
        received_at="2026-01-09T10:00:00.000000Z",
        received_site="RGT",
        anomalies=1,
    )
    media = media_frame(Rows(tuple(values), [tuple(values.values())]))
    found = flag(media, basis(date(2026, 1, 9), Thresholds()))
    assert found[["media_id", "reason", "working_days"]].values.tolist() == [
        ["RGN00000042K", "unexpected-arrival", 0]
    ]
    assert media["issuer"].tolist() == ["RGN"]


def receiver(book: Book, tmp_path: Path, discs: int) -> tuple[Ledger, list[str]]:
    """RGN's ledger, with `discs` of RGT's discs (dispatched Tue 6 Jan) announced by manifest."""
    announced = [book.register(f"2026-01-05 {10 + k:02d}:00") for k in range(discs)]
    for media_id in announced:
        book.scan("dispatch", media_id, "2026-01-06 09:00")
    manifest = export_manifest(book.ledger, "RGN")
    now = book.now
    rgn = Ledger.create(
        str(tmp_path / "rgn.db"), "RGN", "North Partner Trust", clock=lambda: now[0]
    )
    rgn.add_org("RGT", "Home Trust")
    assert import_manifest(rgn, manifest, operator="post").recorded
    return rgn, announced


def scan(ledger: Ledger, action: str, media_id: str, at: str) -> None:
    result = ledger.scan(action, media_id, operator="post", at=uk(at))
    assert result.outcome == "recorded", result


def test_receiver_sees_expected_not_arrived_and_unexpected(book: Book, tmp_path: Path) -> None:
    """At RGN: two discs announced by RGT's manifest (one arrives), one arrives unannounced."""
    rgn, announced = receiver(book, tmp_path, 2)
    stranger = "RJ100000001U"
    for code, at in ((announced[0], "2026-01-07 10:00"), (stranger, "2026-01-08 10:00")):
        scan(rgn, "receive", code, at)

    df = unreconciled(rgn, date(2026, 1, 16), Thresholds())
    found = dict(zip(df["media_id"], df["reason"], strict=True))
    assert found == {
        # Received Wed 7 Jan and still at the desk: 7 working days by Fri 16 Jan.
        announced[0]: "not-sent-to-pacs",
        announced[1]: "expected-not-arrived",
        stranger: "unexpected-arrival",
    }
    # Dispatched Tue 6 Jan; as of Fri 16 Jan: 7-9 and 12-16 Jan, 8 working days.
    row = df[df["media_id"] == announced[1]].iloc[0]
    assert row["working_days"] == 8


def test_partner_discs_received_here_get_the_pacs_reasons(book: Book, tmp_path: Path) -> None:
    """Expected and unexpected discs at RGN's desk and PACS team are chased like our own."""
    rgn, (desk, pacs, failed) = receiver(book, tmp_path, 3)
    strangers = {"desk": "RJ100000001U", "pacs": "RJ100000002S", "failed": "RJ100000003Q"}
    for media_id in (desk, pacs, failed, *strangers.values()):
        scan(rgn, "receive", media_id, "2026-01-07 10:00")  # Wed
    for media_id in (pacs, failed, strangers["pacs"], strangers["failed"]):
        scan(rgn, "to-pacs", media_id, "2026-01-07 11:00")
    for media_id in (failed, strangers["failed"]):
        scan(rgn, "import-failed", media_id, "2026-01-08 10:00")

    df = unreconciled(rgn, date(2026, 1, 12), Thresholds())  # Mon: 3 working days on
    found = dict(zip(df["media_id"], df["reason"], strict=True))
    assert found == {
        desk: "not-sent-to-pacs",
        pacs: "not-imported",
        failed: "import-failed",
        # Still at the desk: followed up with its sender first.
        strangers["desk"]: "unexpected-arrival",
        # Handed to the PACS team: what is outstanding now is theirs.
        strangers["pacs"]: "not-imported",
        strangers["failed"]: "import-failed",
    }
    # The thresholds apply as to our own discs: nothing but the arrivals on Thu 8 Jan.
    early = unreconciled(rgn, date(2026, 1, 8), Thresholds())
    assert dict(zip(early["media_id"], early["reason"], strict=True)) == {
        failed: "import-failed",
        strangers["desk"]: "unexpected-arrival",
        strangers["failed"]: "import-failed",
    }


def test_working_days_use_the_year_each_step_falls_in(book: Book) -> None:
    """Registered in 2026, dispatched (a paper log entered late) before Christmas 2024."""
    from tests.reports.test_calendar import by_hand

    book.now[0] = uk("2026-01-20 12:00")
    media_id = book.register("2026-01-05 10:00")
    book.scan("dispatch", media_id, "2024-12-20 10:00")
    df = unreconciled(book.ledger, date(2026, 1, 9), Thresholds())
    row = df[df["media_id"] == media_id].iloc[0]
    assert row["reason"] == "not-received"
    # 25 and 26 Dec 2024 and every 2025 bank holiday are off: the 2024 calendar is needed.
    assert row["working_days"] == by_hand(date(2024, 12, 20), date(2026, 1, 9))


def test_an_unacknowledged_handover_is_flagged_then_clears(book: Book) -> None:
    handed = book.register("2026-01-09 10:00", encrypted=False, exception="patient-handover")
    book.scan("dispatch", handed, "2026-01-09 11:00")  # Fri
    book.scan("receive", handed, "2026-01-09 16:00", site="RGN")
    book.scan("to-pacs", handed, "2026-01-09 16:30", site="RGN")
    book.scan("imported", handed, "2026-01-09 17:00", site="RGN")  # closed, yet unsigned

    def rows(day: date, thresholds: Thresholds | None = None) -> dict[str, tuple[str, str, int]]:
        df = unreconciled(book.ledger, day, thresholds or Thresholds())
        return {
            r.media_id: (r.reason, r.status, r.working_days) for r in df.itertuples(index=False)
        }

    assert handed not in rows(date(2026, 1, 11))  # Sun: no working day since Friday yet
    assert rows(date(2026, 1, 12))[handed] == ("handover-unacknowledged", "imported", 1)
    assert handed not in rows(date(2026, 1, 12), Thresholds(handover_unacknowledged=2))
    book.ledger.acknowledge_handover(handed, acknowledged_by="Jane Doe", operator="desk")
    assert handed not in rows(date(2026, 1, 12))


def test_an_unacknowledged_handover_comes_before_its_other_reasons(book: Book) -> None:
    handed = book.register("2026-01-05 10:00", encrypted=False, exception="patient-handover")
    day = date(2026, 1, 9)  # 4 working days later: not dispatched either

    def reasons() -> list[str]:
        df = unreconciled(book.ledger, day, Thresholds())
        return df[df["media_id"] == handed]["reason"].tolist()

    assert reasons() == ["handover-unacknowledged"]
    book.ledger.acknowledge_handover(handed, acknowledged_by="J Doe", operator="desk")
    assert reasons() == ["not-dispatched"]


def test_every_reason_has_its_threshold_named() -> None:
    from reports.thresholds import Thresholds
    from reports.unreconciled import LIMITS, RULES, limit

    assert [code for code, _ in RULES] == list(LIMITS)
    t = Thresholds()
    assert limit("not-imported", True, t) == t.not_imported_urgent
    assert limit("not-imported", False, t) == t.not_imported
    assert limit("import-failed", False, t) is None
