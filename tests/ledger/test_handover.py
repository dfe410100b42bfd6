"""The recipient of an unencrypted disc acknowledges the risk: who signed, only where it fits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ledger.api import Ledger, Registration
from ledger.errors import InvalidValue, NoAcknowledgement
from tests.conftest import NHS, Clock

HANDOVER = {
    "encrypted": False,
    "exception": "patient-handover",
    "approved_by": "Dr A",
    "exception_reason": "patient collects for a second opinion",
}


def register(ledger: Ledger, **kwargs: object) -> str:
    reg = Registration(nhs_number=NHS[0], destination="RXH", accession="RGT1234567")
    return ledger.register(replace(reg, **kwargs), operator="admin").media_id  # type: ignore[arg-type]


def test_acknowledgement_is_recorded_with_who_signed(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger, **HANDOVER)
    assert ledger.show(media_id).state.acknowledged_at is None
    event = ledger.acknowledge_handover(
        media_id, acknowledged_by="  Jane   Doe ", relationship="parent", operator="desk"
    )
    assert event.detail == {"acknowledged_by": "Jane Doe", "relationship": "parent"}
    state = ledger.show(media_id).state
    assert (state.acknowledged_at, str(state.status)) == (clock.now, "registered")
    assert ledger.list_media()[0]["acknowledged_at"] is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "is encrypted"),
        (
            {**HANDOVER, "exception": "urgent-clinical"},
            "its exception is urgent-clinical",
        ),
    ],
)
def test_only_a_disc_handed_to_its_recipient_is_acknowledged(
    ledger: Ledger, kwargs: dict[str, object], message: str
) -> None:
    media_id = register(ledger, **kwargs)
    with pytest.raises(NoAcknowledgement, match=message):
        ledger.acknowledge_handover(media_id, acknowledged_by="Jane Doe", operator="desk")
    with pytest.raises(NoAcknowledgement, match=message):
        ledger.handover_facts(media_id)
    assert [e.action for e in ledger.show(media_id).events] == ["register"]


def test_secure_with_notes_is_acknowledged_too(ledger: Ledger) -> None:
    media_id = register(ledger, **{**HANDOVER, "exception": "secure-with-notes"})
    ledger.acknowledge_handover(
        media_id, acknowledged_by="Smith & Co", relationship="solicitor", operator="desk"
    )
    assert ledger.show(media_id).state.acknowledged_at is not None


@pytest.mark.parametrize(
    ("name", "relationship", "message"),
    [
        ("  ", "patient", "needs the name"),
        ("x" * 81, "patient", "longer than"),
        ("Jane Doe", "aunt", "not one of"),
    ],
)
def test_bad_acknowledgements_are_refused(
    ledger: Ledger, name: str, relationship: str, message: str
) -> None:
    media_id = register(ledger, **HANDOVER)
    with pytest.raises(InvalidValue, match=message):
        ledger.acknowledge_handover(
            media_id, acknowledged_by=name, relationship=relationship, operator="desk"
        )


def test_the_forms_facts_hold_no_patient_identifiers(ledger: Ledger) -> None:
    media_id = register(ledger, **HANDOVER)
    facts = ledger.handover_facts(media_id)
    assert facts.media_id == media_id and facts.exception == "patient-handover"
    assert [tuple(s) for s in facts.studies] == [("RGT1234567", "-", 0)]
    assert NHS[0] not in repr(facts)
