"""Times have a range (2000 to now) and one written form, at every door (#12)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.api import Ledger, Registration
from ledger.clock import from_text, parse_time, to_text
from ledger.errors import InvalidTime, MalformedEvent
from ledger.events import event_json
from station import journal
from tests.conftest import NHS, Clock

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def register(ledger: Ledger) -> str:
    return ledger.register(
        Registration(nhs_number=NHS[0], destination="RXH"), operator="admin"
    ).media_id


def test_stored_times_always_have_four_year_digits() -> None:
    assert to_text(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000000Z"
    assert to_text(datetime(2025, 12, 24, 9, 30, tzinfo=UTC)) == "2025-12-24T09:30:00.000000Z"
    assert from_text("2025-12-24T09:30:00.000000Z") == datetime(2025, 12, 24, 9, 30, tzinfo=UTC)
    for malformed in ("1-01-01T00:00:00.000000Z", "2025-12-24T09:30:00+00:00", "", "x"):
        with pytest.raises(ValueError, match="not a stored time"):
            from_text(malformed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0001-01-01", "0001-01-01 is before 2000-01-01"),
        ("0025-12-24T10:00", "0025-12-24 is before 2000-01-01"),
        ("1999-12-31T23:59:59Z", "1999-12-31 is before 2000-01-01"),
        ("0001-01-01T00:00-05:00", "0001-01-01 is before 2000-01-01"),
        ("9999-12-31T23:59-05:00", "9999-12-31 is in the future"),
        ("2026-11-30T12:03Z", "2026-11-30 12:03 (UK time) is in the future"),
        ("", "the time is empty"),
        ("   ", "the time is empty"),
        ("2026-03-29T01:30", "2026-03-29 01:30 does not exist in UK time"),
    ],
)
def test_typed_times_out_of_range_are_refused(typed: str, message: str) -> None:
    with pytest.raises(InvalidTime) as caught:
        parse_time(typed, NOW)
    assert str(caught.value).startswith(message)


def test_edges_of_the_range_are_accepted() -> None:
    assert parse_time("2000-01-01T00:00Z", NOW) == datetime(2000, 1, 1, tzinfo=UTC)
    # A station clock a minute fast is tolerated.
    assert parse_time("2026-11-30T12:01Z", NOW) == NOW + timedelta(minutes=1)


def test_the_repeated_october_hour_takes_the_first_occurrence() -> None:
    # 01:30 on 2026-10-25 happens twice in London: first in BST (00:30 UTC), then GMT.
    assert parse_time("2026-10-25T01:30", NOW) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # Just before the skipped hour, and just after it, both exist.
    assert parse_time("2026-03-29T00:59", NOW) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert parse_time("2026-03-29T02:00", NOW) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_every_api_door_refuses_an_old_time(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    old = datetime(1, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidTime, match="before 2000-01-01"):
        ledger.register(Registration(nhs_number=NHS[1], destination="RXH"), operator="a", at=old)
    with pytest.raises(InvalidTime, match="before 2000-01-01"):
        ledger.password_sent(media_id, via="email", operator="a", at=old)
    with pytest.raises(InvalidTime, match="before 2000-01-01"):
        ledger.transfer("RXH", route="iep", operator="a", at=old)
    with pytest.raises(InvalidTime, match="before 2000-01-01"):
        ledger.labelled([media_id], template="t", file="f", operator="a", at=old)
    scanned = ledger.scan("dispatch", media_id, operator="post", at=old)
    assert scanned.outcome == "refused"
    assert scanned.reason == f"{media_id}: dated 0001-01-01 is before 2000-01-01"
    # A naive time is UK local; the hour skipped in March is refused, not guessed.
    skipped = ledger.scan("dispatch", media_id, operator="post", at=datetime(2025, 3, 30, 1, 30))
    assert skipped.outcome == "refused" and "does not exist in UK time" in (skipped.reason or "")
    assert ledger.verify_chain().events == 1


def test_a_journal_and_a_partners_events_cannot_bring_an_old_time_in(
    ledger: Ledger, clock: Clock, tmp_path: Path
) -> None:
    media_id = register(ledger)
    done = ledger.scan("dispatch", media_id, operator="post")
    dispatched = next(e for e in ledger.show(media_id).events if e.event_id == done.event_id)
    old = dispatched._replace(
        event_id="8f0c4d55-2a2b-4a44-9d0e-0d6f2f0e2222",
        action="receive",
        at=datetime(1, 1, 1, tzinfo=UTC),
        seq=None,
    )
    path = tmp_path / "journal.jsonl"
    path.write_text(journal.event_line(old) + "\n")
    report = journal.sync(ledger, path)
    assert [r.reason for r in report.refused] == [
        f"{media_id}: dated 0001-01-01 is before 2000-01-01"
    ]
    with pytest.raises(InvalidTime, match="before 2000-01-01"):
        ledger.record_events([old])
    assert ledger.verify_chain().events == 2
    # The travelling form keeps four year digits, so the receiver reads it, then refuses it.
    assert event_json(old)["at"] == "0001-01-01T00:00:00.000000Z"


def _break_a_stored_time(db: Path, seq: int, text: str) -> None:
    """What an old version (or a hand edit) left behind: a time not in the stored form."""
    conn = sqlite3.connect(db)
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='events'"
    ).fetchall()
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE events SET at = ? WHERE seq = ?", (text, seq))
    for _name, sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_a_malformed_stored_time_is_one_line_naming_the_event(
    ledger: Ledger, db_path: Path, cli: object
) -> None:
    media_id = register(ledger)
    ledger.scan("dispatch", media_id, operator="post")
    event_id = ledger.show(media_id).events[1].event_id
    ledger.engine.dispose()
    _break_a_stored_time(db_path, 2, "1-01-01T10:00:00.000000Z")
    expected = (
        f"event #2 ({event_id}) of {media_id} cannot be read: '1-01-01T10:00:00.000000Z' "
        "is not a stored time (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
    )
    with pytest.raises(MalformedEvent) as caught:
        ledger.verify_chain()
    assert str(caught.value) == expected
    with pytest.raises(MalformedEvent):
        ledger.show(media_id)
    for args in (("verify",), ("show", media_id)):
        result = cli(*args)  # type: ignore[operator]
        assert (result.exit_code, result.stderr) == (1, f"error: {expected}\n")


def test_the_cli_refuses_an_old_or_empty_at(ledger: Ledger, cli: object) -> None:
    media_id = register(ledger)
    for at, message in (
        ("0025-12-24T10:00", "error: 0025-12-24 is before 2000-01-01\n"),
        ("", "error: the time is empty (use ISO 8601, e.g. 2025-12-24T09:30)\n"),
    ):
        for args in (
            ("scan", "dispatch", media_id, "--at", at),
            ("password-sent", media_id, "--via", "email", "--at", at),
            ("transfer", "--to", "RXH", "--route", "iep", "--at", at),
        ):
            result = cli(*args)  # type: ignore[operator]
            assert (result.exit_code, result.stderr) == (1, message), args
    assert ledger.verify_chain().events == 1
