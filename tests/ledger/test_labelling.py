"""Labelling in the ledger: `labelled` events, label facts, and which media wait for a label."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.api import Ledger, Registration
from ledger.errors import NotLabellable, UnknownMedia
from ledger.ids import make_media_id
from ledger.labelling import LabelFacts, label_facts, waiting_for_label
from tests.conftest import NHS, Clock


def register(ledger: Ledger, **kwargs: object) -> str:
    reg = Registration(nhs_number=NHS[0], destination="RXH")
    return ledger.register(replace(reg, **kwargs), operator="admin").media_id  # type: ignore[arg-type]


def test_labelled_records_one_event_per_medium_in_history(ledger: Ledger) -> None:
    first, second = register(ledger), register(ledger)
    events = ledger.labelled(
        [first, second, second.lower()], template="avery-l7160", file="a.pdf", operator="ia"
    )
    assert [(e.media_id, e.action) for e in events] == [(first, "labelled"), (second, "labelled")]
    assert events[0].detail == {"template": "avery-l7160", "file": "a.pdf"}
    assert events[1].detail == {"template": "avery-l7160", "file": "a.pdf", "copies": 2}
    ledger.labelled([first], template="brother-62x29", file="b.png", operator="ia")
    record = ledger.show(first)
    assert [e.action for e in record.events] == ["register", "labelled", "labelled"]
    assert record.state.labelled == 2 and str(record.state.status) == "registered"
    assert ledger.verify().events == 5


def test_labelled_unknown_medium_records_nothing(ledger: Ledger) -> None:
    known = register(ledger)
    with pytest.raises(UnknownMedia):
        ledger.labelled(
            [known, str(make_media_id("RGT", 98))], template="t", file="f", operator="ia"
        )
    assert ledger.show(known).state.labelled == 0
    assert ledger.verify().events == 1


def test_label_facts_carry_routing_never_the_patient(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger.create(
        str(tmp_path / "l.db"), "RGT", "Cambridge", address="Hills Road\nCambridge", clock=clock
    )
    ledger.add_org("RXH", "Sussex")
    urgent = register(ledger, urgent=True)
    handed = register(
        ledger,
        encrypted=False,
        exception="patient-handover",
        approved_by="patient",
        exception_reason="collected in person",
    )
    facts = label_facts(ledger, [urgent, handed])
    assert facts[0] == LabelFacts(
        urgent, "RXH", "Sussex", "RGT", "Cambridge", "Hills Road\nCambridge", None, True
    )
    assert (facts[1].exception, facts[1].urgent) == ("patient-handover", False)
    assert NHS[0] not in repr(facts)


def test_unencrypted_without_exception_is_not_labellable(ledger: Ledger) -> None:
    ok = register(ledger)
    # A bulk import accepts an unencrypted row without an exception (a paper-log backfill).
    bare = ledger.register_many(
        [Registration(nhs_number=NHS[1], destination="RXH", encrypted=False)], operator="ia"
    )[0].media_id
    with pytest.raises(NotLabellable, match=f"{bare} is not encrypted"):
        label_facts(ledger, [ok, bare])
    waiting = waiting_for_label(ledger)
    assert waiting.media_ids == [ok]
    assert [m for m, _ in waiting.skipped] == [bare]


def test_waiting_means_registered_and_never_labelled(ledger: Ledger) -> None:
    sent, printed, fresh = register(ledger), register(ledger), register(ledger)
    ledger.scan("dispatch", sent, operator="pr")
    ledger.labelled([printed], template="avery-l7160", file="a.pdf", operator="ia")
    assert waiting_for_label(ledger).media_ids == [fresh]
    assert waiting_for_label(ledger, reprints=True).media_ids == [printed, fresh]
