"""The ledger API: registration, scans, corrections, and the hash chain that proves it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.api import Ledger, Registration
from ledger.clock import to_text
from ledger.errors import (
    BulkRejected,
    IntegrityError,
    InvalidTime,
    InvalidValue,
    LedgerExists,
    NotCorrectable,
    UnknownMedia,
)
from ledger.transitions import Status
from tests.conftest import NHS, Clock


def register(ledger: Ledger, **kwargs: object) -> str:
    reg = Registration(nhs_number=NHS[0], destination="RXH")
    return ledger.register(replace(reg, **kwargs), operator="admin").media_id  # type: ignore[arg-type]


def test_register_allocates_sequential_checked_ids(ledger: Ledger) -> None:
    ids = [register(ledger) for _ in range(3)]
    assert [i[:11] for i in ids] == ["RGT00000001", "RGT00000002", "RGT00000003"]
    state = ledger.show(ids[0]).state
    assert state.status == Status.REGISTERED and state.encrypted and state.destination == "RXH"


def test_unencrypted_needs_the_whole_exception(ledger: Ledger) -> None:
    with pytest.raises(InvalidValue, match="who approved"):
        register(ledger, encrypted=False, exception="urgent-clinical", exception_reason="neuro")
    media_id = register(
        ledger,
        encrypted=False,
        exception="urgent-clinical",
        approved_by="Dr A",
        exception_reason="neurosurgical emergency",
    )
    state = ledger.show(media_id).state
    assert not state.encrypted and state.exception == "urgent-clinical"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "9434765918", "check digit"),
        ("destination", "RZZ", "unknown organisation"),
        ("destination", "RGT", "home organisation"),
        ("kind", "floppy", "kind"),
        ("study_uid", "1.2.03", "study UID"),
        ("accession", "X" * 17, "accession"),
    ],
)
def test_registration_rules(ledger: Ledger, field: str, value: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        register(ledger, **{field: value})
    assert ledger.list_media() == []


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["nhs_number,destination,urgent,encrypted,exception", *rows]) + "\n")
    return path


def test_csv_is_all_or_nothing_and_lists_every_bad_row(ledger: Ledger, tmp_path: Path) -> None:
    csv = write_csv(
        tmp_path / "batch.csv",
        [
            f"{NHS[0]},RXH,,,",
            "1234567890,RXH,,,",
            f"{NHS[1]},NOPE,,,",
            f"{NHS[2]},R1K,maybe,,",
            f"{NHS[3]},R1K,yes,no,urgent-clinical",
        ],
    )
    with pytest.raises(BulkRejected) as info:
        ledger.register_csv(csv, operator="admin")
    assert info.value.problems == [
        "line 3: '1234567890' is not a valid NHS number (check digit does not match)",
        "line 4: unknown organisation 'NOPE' (add it with `custody org add`)",
        "line 5: urgent 'maybe' is not yes/no",
        "line 6: unencrypted needs who approved the exception; "
        "unencrypted needs the reason for the exception",
    ]
    assert ledger.list_media() == []
    assert ledger.verify_chain().events == 0


def test_csv_registers_every_row(ledger: Ledger, tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "ok.csv", [f"{n},R1K,no,yes," for n in NHS] + [f"{NHS[0]},RXH,y,n,"])
    states = ledger.register_csv(csv, operator="admin")
    assert len(states) == 6 and states[-1].urgent and not states[-1].encrypted
    assert ledger.verify_chain().events == 6


def test_csv_with_a_column_twice_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    csv = tmp_path / "twice.csv"
    csv.write_text(f"nhs_number,destination,destination\n{NHS[0]},RXH,R1K\n")
    with pytest.raises(InvalidValue, match="destination appear more than once"):
        ledger.register_csv(csv, operator="admin")
    assert ledger.list_media() == []


def test_scan_refusals_and_duplicates(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    assert ledger.scan("dispatch", media_id, operator="post").outcome == "recorded"
    clock.advance(seconds=3)
    dup = ledger.scan("dispatch", media_id.lower(), operator="post")
    assert dup.outcome == "duplicate" and dup.status == "dispatched"
    refused = ledger.scan("receive", media_id[:-1] + "0", operator="post")
    assert refused.outcome == "refused" and "misread" in (refused.reason or "")
    assert ledger.verify_chain().events == 2


def test_scan_of_unknown_medium(ledger: Ledger) -> None:
    from ledger.ids import make_media_id, serial_is_usable

    serial = next(s for s in range(500, 600) if serial_is_usable("RGT", s))
    result = ledger.scan("dispatch", str(make_media_id("RGT", serial)), operator="post")
    assert result.outcome == "refused" and "unknown medium" in (result.reason or "")


def test_future_and_malformed_times_refused(ledger: Ledger, clock: Clock) -> None:
    with pytest.raises(InvalidTime, match="future"):
        ledger.when((clock.now + timedelta(hours=1)).isoformat())
    with pytest.raises(InvalidTime, match="not a time"):
        ledger.when("yesterday")
    # A naive time is UK local: 09:00 in December is 09:00 UTC.
    assert ledger.when("2025-12-22T08:30").hour == 8


def test_password_sent_is_recorded_never_the_password(ledger: Ledger) -> None:
    media_id = register(ledger)
    event = ledger.password_sent(media_id, via="email", to="gp@nhs.net", operator="admin")
    assert event.detail == {"via": "email", "to": "gp@nhs.net"}
    assert ledger.show(media_id).state.password_via == "email"
    # The error names the field, not a command-line flag: each front end names its own control.
    with pytest.raises(InvalidValue, match=r"^via 'pigeon' is not one of") as refused:
        ledger.password_sent(media_id, via="pigeon", operator="admin")
    assert refused.value.field == "via"
    assert refused.value.shown(lambda field: f"--{field}").startswith("--via 'pigeon'")


def test_correct_voids_and_cannot_void_registration(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    ledger.scan("dispatch", media_id, operator="post")
    clock.advance(minutes=5)
    wrong = ledger.scan("lost", media_id, operator="post")
    assert wrong.status == "lost"
    ledger.correct(wrong.event_id or "", reason="wrong disc", operator="admin")
    record = ledger.show(media_id)
    assert record.state.status == Status.DISPATCHED
    assert record.voided == {wrong.event_id}
    with pytest.raises(NotCorrectable, match="voided already"):
        ledger.correct(wrong.event_id or "", reason="again", operator="admin")
    with pytest.raises(NotCorrectable, match="registration"):
        ledger.correct(record.events[0].event_id, reason="x", operator="admin")
    assert ledger.verify_chain().events == 4


def test_record_events_is_idempotent(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    result = ledger.scan("dispatch", media_id, operator="post")
    event = next(e for e in ledger.show(media_id).events if e.event_id == result.event_id)
    later = event._replace(
        event_id="8f0c4d55-2a2b-4a44-9d0e-0d6f2f0e1111",
        action="receive",
        at=event.at + timedelta(days=2),
        recorded_at=event.at + timedelta(days=2, hours=1),
        seq=None,
    )
    with pytest.raises(InvalidTime, match="future"):
        ledger.record_events([later])
    clock.advance(days=3)
    recorded, already = ledger.record_events([later, later])
    assert (len(recorded), already) == (1, [])
    assert recorded[0].recorded_at == clock.now  # recorded here now: head_at(T) never moves
    assert recorded[0].detail["recorded_elsewhere_at"] == to_text(later.recorded_at)
    assert ledger.record_events([later]) == ([], [later])
    assert ledger.show(media_id).state.status == Status.RECEIVED
    with pytest.raises(UnknownMedia):
        ledger.record_events([later._replace(event_id="1" * 36, media_id="RXH000000019")])


def test_scans_dated_in_the_future_are_refused(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    result = ledger.scan("dispatch", media_id, operator="post", at=clock.now + timedelta(hours=1))
    assert result.outcome == "refused" and "in the future" in (result.reason or "")
    assert ledger.verify_chain().events == 1


def test_an_event_id_is_recorded_once_across_media(ledger: Ledger) -> None:
    first, second = register(ledger), register(ledger)
    event_id = "5b0a9a40-53f1-4f4f-8f43-0c1a7c2e0001"
    assert ledger.scan("dispatch", first, operator="post", event_id=event_id).outcome == "recorded"
    again = ledger.scan("dispatch", second, operator="post", event_id=event_id)
    assert again.outcome == "refused" and "another medium" in (again.reason or "")


def test_init_refuses_existing_ledger(db_path: Path) -> None:
    before = db_path.read_bytes()
    with pytest.raises(LedgerExists):
        Ledger.create(str(db_path), "RGT", "Again")
    assert db_path.read_bytes() == before


def test_new_ledger_file_is_private(tmp_path: Path) -> None:
    Ledger.create(str(tmp_path / "new.db"), "RGT", "Home").engine.dispose()
    assert (tmp_path / "new.db").stat().st_mode & 0o777 == 0o600


def test_database_refuses_update_and_delete_of_events(ledger: Ledger) -> None:
    register(ledger)
    with ledger.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError, match="append-only"):
        conn.exec_driver_sql("UPDATE events SET operator = 'mallory'")
    with ledger.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError, match="append-only"):
        conn.exec_driver_sql("DELETE FROM events")


# -- tampering: every kind of change is caught by verify ----------------------------------


@pytest.fixture
def tampered(ledger: Ledger, db_path: Path, clock: Clock) -> sqlite3.Connection:
    """A ledger of 6 events, opened raw with the append-only triggers removed."""
    for _ in range(2):
        media_id = register(ledger)
        clock.advance(minutes=1)
        ledger.scan("dispatch", media_id, operator="post")
        clock.advance(minutes=1)
        ledger.password_sent(media_id, via="email", operator="admin")
    assert ledger.verify_chain().events == 6
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("DROP TRIGGER events_no_delete")
    return raw


def test_verify_catches_an_edit(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    tampered.execute("UPDATE events SET operator = 'mallory' WHERE seq = 3")
    with pytest.raises(IntegrityError, match=r"event #3 .* content was changed"):
        ledger.verify_chain()


def test_verify_catches_a_deletion(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    tampered.execute("DELETE FROM events WHERE seq = 2")
    with pytest.raises(IntegrityError, match=r"event #3 .* deleted, inserted or reordered"):
        ledger.verify_chain()


def test_verify_catches_deletion_at_the_end(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    tampered.execute("DELETE FROM events WHERE seq = 6")
    with pytest.raises(IntegrityError, match="records 6 events but 5 verify"):
        ledger.verify_chain()


def test_verify_catches_an_insertion(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    row = tampered.execute("SELECT * FROM events WHERE seq = 2").fetchone()
    tampered.execute("UPDATE events SET seq = seq + 100 WHERE seq > 2")
    forged = (3, "00000000-0000-4000-8000-000000000000", *row[2:])
    tampered.execute(f"INSERT INTO events VALUES ({','.join('?' * len(row))})", forged)
    with pytest.raises(IntegrityError, match="event #3"):
        ledger.verify_chain()


def test_verify_catches_a_reordering(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    tampered.execute("UPDATE events SET seq = 99 WHERE seq = 2")
    tampered.execute("UPDATE events SET seq = 2 WHERE seq = 3")
    tampered.execute("UPDATE events SET seq = 3 WHERE seq = 99")
    with pytest.raises(IntegrityError, match="event #2"):
        ledger.verify_chain()


def test_verify_catches_an_edited_hash(ledger: Ledger, tampered: sqlite3.Connection) -> None:
    tampered.execute(
        'UPDATE events SET detail = \'{"via":"letter"}\', hash = ? WHERE seq = 6', ("f" * 64,)
    )
    with pytest.raises(IntegrityError, match="event #6"):
        ledger.verify_chain()
