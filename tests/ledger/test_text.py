"""Free text that could forge output is refused on the way in, and shown escaped (#12)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.api import Ledger, MediaRecord, Registration, read_registrations
from ledger.errors import InvalidValue
from ledger.text import shown
from tests.conftest import NHS, Clock

FORGED = "post\n  2025-12-24 09:30  lost           RGT   someone"
RTL = "admin\u202egnp.exe"


def register(ledger: Ledger, operator: str = "admin", **kwargs: object) -> str:
    reg = replace(Registration(nhs_number=NHS[0], destination="RXH"), **kwargs)  # type: ignore[arg-type]
    return ledger.register(reg, operator=operator).media_id


@pytest.mark.parametrize("bad", [FORGED, RTL, "a\rb", "tab\there", "esc\x1b[2J", "x" * 65])
def test_operator_refused_with_the_reason(ledger: Ledger, bad: str) -> None:
    media_id = register(ledger)
    for write in (
        lambda: register(ledger, operator=bad),
        lambda: ledger.scan("dispatch", media_id, operator=bad),
        lambda: ledger.password_sent(media_id, via="email", operator=bad),
        lambda: ledger.transfer("RXH", route="iep", operator=bad),
    ):
        with pytest.raises(InvalidValue, match="operator"):
            write()
    assert ledger.verify_chain().events == 1


def test_the_reason_names_the_character(ledger: Ledger) -> None:
    with pytest.raises(InvalidValue) as caught:
        register(ledger, operator=RTL)
    assert str(caught.value) == (
        "operator contains the control or text-direction character U+202E: type it again without it"
    )
    with pytest.raises(InvalidValue) as caught:
        register(ledger, operator="x" * 65)
    assert str(caught.value) == "operator is 65 characters long (at most 64)"


def test_names_reasons_and_notes_refused(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    scanned = ledger.scan("lost", media_id, operator="post")
    with pytest.raises(InvalidValue, match="organisation's name"):
        ledger.add_org("R1K", "North\nWest")
    with pytest.raises(InvalidValue, match="organisation's name is 201 characters"):
        ledger.add_org("R1K", "N" * 201)
    with pytest.raises(InvalidValue, match="address"):
        ledger.add_org("R1K", "North West", address="1 Road\u2066")
    with pytest.raises(InvalidValue, match="address"):
        ledger.add_org("R1K", "North West", address="1 Road\r\nTown")
    # A postal address keeps its line breaks (printed as lines on labels).
    assert ledger.add_org("R1L", "Somewhere", address="1 Road\nTown").address == "1 Road\nTown"
    with pytest.raises(InvalidValue, match="reason"):
        ledger.correct(scanned.event_id or "", reason="typo\nmore", operator="admin")
    # Each names the field it is about (the CLI shows it as --to, --note, --ref).
    with pytest.raises(InvalidValue, match=r"^to contains") as refused:
        ledger.password_sent(media_id, via="email", to="gp@nhs.net\u202e", operator="admin")
    assert refused.value.field == "to"
    with pytest.raises(InvalidValue, match=r"^note contains") as refused:
        ledger.ir1_closed(media_id, reason="lost", note="ok\x00", operator="gov")
    assert refused.value.field == "note"
    with pytest.raises(InvalidValue, match=r"^ref contains") as refused:
        ledger.ir1_filed(media_id, reason="lost", ref="W1\r\n2", operator="gov")
    assert refused.value.field == "ref"
    with pytest.raises(InvalidValue, match="approved by"):
        register(
            ledger,
            encrypted=False,
            exception="urgent-clinical",
            approved_by="Dr A\nDr B",
            exception_reason="trauma",
        )
    assert ledger.verify_chain().events == 2
    # A trailing newline (a shell's `$(...)` leaves none, a paste may) is only trimmed.
    ledger.correct(scanned.event_id or "", reason="wrong disc\n", operator="admin\n")
    assert ledger.show(media_id).events[-1].operator == "admin"


def test_show_escapes_what_an_older_version_stored(ledger: Ledger) -> None:
    from cli.formats import record_lines

    media_id = register(ledger)
    record = ledger.show(media_id)
    forged = record.events[0]._replace(operator=FORGED, detail={"note": "a\u202eb"})
    lines = record_lines(MediaRecord(record.state, [forged]))
    assert len(lines) == len(record_lines(record))
    assert not any("\n" in line or "\u202e" in line for line in lines)
    assert shown(FORGED) in lines[-1] and "note=a\\u202eb" in lines[-1]


def test_a_huge_csv_header_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n")
    started = time.perf_counter()
    with pytest.raises(InvalidValue) as caught:
        read_registrations(path)
    assert time.perf_counter() - started < 2
    assert str(caught.value) == (
        "wide.csv: the header has 100000 columns (this file has at most 10 kinds; "
        "100 at the very most)"
    )


def test_duplicate_columns_are_still_named(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("nhs_number,destination,urgent,urgent,nhs_number\n")
    with pytest.raises(InvalidValue) as caught:
        read_registrations(path)
    assert str(caught.value) == "twice.csv: column(s) nhs_number, urgent appear more than once"


def test_partner_events_with_control_characters_are_refused(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    done = ledger.scan("dispatch", media_id, operator="post")
    event = next(e for e in ledger.show(media_id).events if e.event_id == done.event_id)
    theirs = event._replace(
        event_id="8f0c4d55-2a2b-4a44-9d0e-0d6f2f0e3333",
        action="receive",
        operator=FORGED,
        at=event.at + timedelta(hours=1),
        recorded_at=event.at + timedelta(hours=1),
        seq=None,
    )
    clock.advance(hours=2)
    with pytest.raises(InvalidValue, match="operator contains the control"):
        ledger.record_events([theirs])
