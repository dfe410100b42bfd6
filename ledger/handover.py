"""An unencrypted disc handed to its recipient: what the handover form says, and who signed it.

The guidance allows a disc given to the patient (or sent securely with the notes) to go
unencrypted only when "the patient/recipient is made aware of the risk and takes
responsibility for the safe keeping". The form tells them; the `acknowledged` event records
that they signed it. Only what the form needs leaves here: the studies by accession and
modality, never the patient's name or NHS number (the media ID links form and ledger).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from ledger.text import text_problem
from ledger.transitions import MediaState

RELATIONSHIPS = ("patient", "parent", "carer", "solicitor", "other")
# The guidance's second exception: the recipient is told the risk and takes responsibility.
ACKNOWLEDGED_EXCEPTIONS = ("patient-handover", "secure-with-notes")
NAME_MAX_LENGTH = 80


def acknowledgement_problem(state: MediaState) -> str | None:
    """Why this medium has no handover for a recipient to acknowledge, or None."""
    if state.encrypted:
        return f"{state.media_id} is encrypted: its recipient has no risk to acknowledge"
    if state.exception not in ACKNOWLEDGED_EXCEPTIONS:
        why = f"its exception is {state.exception}" if state.exception else "it has no exception"
        return (
            f"{state.media_id} is not a disc handed to its recipient ({why}); the form is for "
            f"the exceptions {' and '.join(ACKNOWLEDGED_EXCEPTIONS)}"
        )
    return None


def acknowledgement_detail(acknowledged_by: str, relationship: str) -> dict[str, str]:
    """The `acknowledged` event's detail, or ValueError(message, field): the message names
    the input it is about as `{acknowledged_by}` or `{relationship}`, for each front end to
    name its own control."""
    name = " ".join(acknowledged_by.split())
    if not name:
        raise ValueError(
            "{acknowledged_by} needs the name of the person who signed", "acknowledged_by"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValueError(
            f"{{acknowledged_by}} is longer than {NAME_MAX_LENGTH} characters", "acknowledged_by"
        )
    problem = text_problem(name, "{acknowledged_by}", NAME_MAX_LENGTH)
    if problem:
        raise ValueError(problem, "acknowledged_by")
    if relationship not in RELATIONSHIPS:
        raise ValueError(
            f"{{relationship}} {relationship!r} is not one of {', '.join(RELATIONSHIPS)}",
            "relationship",
        )
    return {"acknowledged_by": name, "relationship": relationship}


class StudyLine(NamedTuple):
    """One study on the disc as the form lists it."""

    accession: str
    modalities: str
    images: int


class HandoverFacts(NamedTuple):
    """What the handover form prints for one medium (the keywords of labels.handover)."""

    media_id: str
    grouped_id: str
    kind: str
    exception: str
    prepared_on: datetime
    sender_name: str
    sender_address: str
    studies: tuple[StudyLine, ...]


def handover_facts(
    state: MediaState, grouped_id: str, sender_name: str, sender_address: str
) -> HandoverFacts:
    """The form's facts from the medium's state; ValueError if it has no handover."""
    problem = acknowledgement_problem(state)
    if problem:
        raise ValueError(problem)
    assert state.exception is not None and state.registered_at is not None
    studies = tuple(
        StudyLine(
            s.accession or "-",
            "/".join(sorted({x.modality for x in s.series if x.modality})) or "-",
            s.instance_count,
        )
        for s in state.studies
    )
    if not studies and state.accession:
        studies = (StudyLine(state.accession, "-", 0),)
    return HandoverFacts(
        media_id=state.media_id,
        grouped_id=grouped_id,
        kind=state.kind,
        exception=state.exception,
        prepared_on=state.registered_at,
        sender_name=sender_name,
        sender_address=sender_address,
        studies=studies,
    )
