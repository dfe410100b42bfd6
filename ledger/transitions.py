"""How status derives from events: one transition table and one fold.

A scan is a fact about the physical world, so a scan of a known medium is
never refused; a move that is not in the table still happens, and is
flagged as a sequence anomaly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from ledger.events import Action, Event
from ledger.studies import StudyCount, studies_from_detail


class Status(StrEnum):
    """Where a medium is, as its events add up."""

    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    RECEIVED = "received"
    WITH_PACS = "with-pacs"
    IMPORTED = "imported"
    IMPORT_FAILED = "import-failed"
    RETURNED = "returned"
    DESTROYED = "destroyed"
    LOST = "lost"


S, A = Status, Action

# The status each status-changing action leads to, wherever the medium was.
TARGET: dict[str, Status] = {
    A.REGISTER: S.REGISTERED,
    A.DISPATCH: S.DISPATCHED,
    A.RECEIVE: S.RECEIVED,
    A.TO_PACS: S.WITH_PACS,
    A.IMPORTED: S.IMPORTED,
    A.IMPORT_FAILED: S.IMPORT_FAILED,
    # A partial import needs the PACS desk as a failed one does; import_partial_at tells them apart.
    A.IMPORT_PARTIAL: S.IMPORT_FAILED,
    A.RETURNED: S.RETURNED,
    A.DESTROYED: S.DESTROYED,
    A.LOST: S.LOST,
    A.EXPECTED: S.DISPATCHED,
}

# The expected moves: (from, action). Anything else is recorded and flagged.
TRANSITIONS: frozenset[tuple[Status | None, str]] = frozenset(
    [
        (None, A.REGISTER),
        (None, A.EXPECTED),
        (S.REGISTERED, A.DISPATCH),
        (S.RETURNED, A.DISPATCH),
        (S.DISPATCHED, A.RECEIVE),
        (S.RECEIVED, A.TO_PACS),
        (S.WITH_PACS, A.IMPORTED),
        (S.IMPORT_FAILED, A.IMPORTED),
        (S.WITH_PACS, A.IMPORT_FAILED),
        (S.IMPORT_FAILED, A.IMPORT_FAILED),
        # A check against the PACS confirms or contradicts an import the desk recorded.
        (S.IMPORTED, A.IMPORTED),
        *((s, A.IMPORT_PARTIAL) for s in (S.WITH_PACS, S.IMPORTED, S.IMPORT_FAILED)),
        *(
            (s, A.RETURNED)
            for s in (S.DISPATCHED, S.RECEIVED, S.WITH_PACS, S.IMPORTED, S.IMPORT_FAILED)
        ),
        *(
            (s, A.DESTROYED)
            for s in (
                S.REGISTERED,
                S.RECEIVED,
                S.WITH_PACS,
                S.IMPORTED,
                S.IMPORT_FAILED,
                S.RETURNED,
            )
        ),
        *((s, A.LOST) for s in (S.REGISTERED, S.DISPATCHED, S.RECEIVED, S.WITH_PACS)),
    ]
)

# The main path, to name the steps a scan skipped.
PATH = (S.REGISTERED, S.DISPATCHED, S.RECEIVED, S.WITH_PACS, S.IMPORTED)
STEP_NAMES = {S.DISPATCHED: "dispatch", S.RECEIVED: "receipt", S.WITH_PACS: "handover to PACS"}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A scan out of order: recorded, and flagged for reports."""

    event_id: str
    at: datetime
    text: str


class MediaState(NamedTuple):
    """What a medium's events add up to (a NamedTuple: the fold builds many of these)."""

    media_id: str
    status: Status | None = None
    status_at: datetime | None = None
    registered: bool = False
    issuer: str = ""
    destination: str = ""
    kind: str = "cd"
    urgent: bool = False
    encrypted: bool = True
    exception: str | None = None
    nhs_number: str | None = None
    accession: str | None = None
    study_uid: str | None = None
    studies: tuple[StudyCount, ...] = ()
    received_studies: tuple[StudyCount, ...] = ()
    registered_at: datetime | None = None
    dispatched_at: datetime | None = None
    received_at: datetime | None = None
    received_site: str | None = None
    to_pacs_at: datetime | None = None
    imported_at: datetime | None = None
    import_failed_at: datetime | None = None
    import_partial_at: datetime | None = None
    # The latest import outcome beyond its status: verified or present (checked against the PACS,
    # present when only the study UID was known), partial; None when unchecked or failed.
    import_check: str | None = None
    returned_at: datetime | None = None
    destroyed_at: datetime | None = None
    lost_at: datetime | None = None
    password_sent_at: datetime | None = None
    password_via: str | None = None
    labelled: int = 0
    misdelivered: bool = False
    expected: bool = False
    unexpected: bool = False
    # The current dispatch's parcel tracking reference (a new dispatch starts without one).
    tracking: str | None = None
    # When the recipient of an unencrypted disc signed the handover form (latest signature).
    acknowledged_at: datetime | None = None
    anomalies: tuple[Anomaly, ...] = ()


# The MediaState field that remembers the latest time of each scan action.
_STAMP: dict[str, str] = {
    A.REGISTER: "registered_at",
    A.DISPATCH: "dispatched_at",
    A.RECEIVE: "received_at",
    A.TO_PACS: "to_pacs_at",
    A.IMPORTED: "imported_at",
    A.IMPORT_FAILED: "import_failed_at",
    A.IMPORT_PARTIAL: "import_partial_at",
    A.RETURNED: "returned_at",
    A.DESTROYED: "destroyed_at",
    A.LOST: "lost_at",
    A.EXPECTED: "dispatched_at",
}

# Actions that say what a medium is; they come first in its history whatever their time.
DEFINING = (A.REGISTER, A.EXPECTED)


def anomaly_text(status: Status | None, action: str) -> str:
    """Why a move is not in the table, in the words of the post room."""
    target = TARGET[action]
    if status is None:
        return f"{action} of a medium never registered"
    if status == S.DESTROYED:
        return f"{action} after the medium was recorded destroyed"
    if status == S.LOST and action == A.RECEIVE:
        return "received after it was recorded lost"
    if status in PATH and target in PATH and PATH.index(target) > PATH.index(status) + 1:
        skipped = [STEP_NAMES[s] for s in PATH[PATH.index(status) + 1 : PATH.index(target)]]
        return f"{action} while {status}: no {', no '.join(skipped)} recorded"
    if status == target:
        return f"{action} again: already {status}"
    return f"{action} while {status}: out of order"


def import_check_of(action: str, detail: dict[str, object]) -> str | None:
    """What an import event says was checked: verified, present, partial, or None."""
    if action == A.IMPORT_PARTIAL:
        return "partial"
    if action == A.IMPORTED and detail.get("verified") is True:
        return "present" if detail.get("presence_only") else "verified"
    return None


def voided_ids(events: Iterable[Event]) -> set[str]:
    """The events that a standing correction voids.

    A correction stands unless a standing correction voids it, so voiding a correction
    restores what it voided, and voiding that one voids it again, to any depth.
    """
    voided_by: dict[str, list[str]] = {}
    for e in events:
        if e.action == A.CORRECT:
            voided_by.setdefault(e.detail["voids"], []).append(e.event_id)
    standing: dict[str, bool] = {}

    def stands(event_id: str) -> bool:
        # Corrections come after what they void, so this walks a finite chain.
        if event_id not in standing:
            standing[event_id] = not any(stands(c) for c in voided_by.get(event_id, ()))
        return standing[event_id]

    return {target for target in voided_by if not stands(target)}


def effective(events: Iterable[Event]) -> list[Event]:
    """The events that count, in the order they happened: corrections applied, voided dropped."""
    events = list(events)
    if any(e.action == A.CORRECT for e in events):
        voided = voided_ids(events)
        events = [e for e in events if e.action != A.CORRECT and e.event_id not in voided]
    # The registration defines the medium, so it comes first even if a scan is dated earlier.
    return sorted(events, key=_order)


def _order(event: Event) -> tuple[bool, datetime, int]:
    """Where an effective event comes in its medium's history."""
    return (event.action not in DEFINING, event.at, event.seq or 0)


def _registration_fields(d: dict[str, Any], issuer: str) -> dict[str, Any]:
    """What a registration (ours, or a partner's manifest) says about the medium."""
    return {
        "issuer": d.get("issuer", issuer),
        "destination": d["destination"],
        "kind": d.get("kind", "cd"),
        "urgent": bool(d.get("urgent", False)),
        "encrypted": bool(d.get("encrypted", True)),
        "exception": (d.get("exception") or {}).get("code"),
        "nhs_number": d.get("nhs_number"),
        "accession": d.get("accession"),
        "study_uid": d.get("study_uid"),
        "studies": studies_from_detail(d.get("studies")),
    }


def _registration(event: Event) -> dict[str, Any]:
    """A medium's fields after its registration, the first event it has."""
    return {
        "status": S.REGISTERED,
        "status_at": event.at,
        "registered_at": event.at,
        "registered": True,
        **_registration_fields(event.detail, ""),
    }


def registered_state(event: Event) -> MediaState:
    """A medium's state after its registration, the first event it has (built whole: bulk
    registration makes 100,000 of these, and `replace` field by field is slow)."""
    return MediaState(media_id=event.media_id, **_registration(event))


# A medium before its first event, field by field in MediaState's order: the fold fills a copy.
_BLANK: dict[str, Any] = {name: MediaState._field_defaults.get(name) for name in MediaState._fields}


def _apply(state: dict[str, Any], event: Event) -> None:
    """One event's effect on a medium's state (MediaState's fields, changed in place)."""
    action = event.action
    if action in DEFINING:
        if state["status"] is None and action == A.REGISTER:
            state.update(_registration(event))
            return
        state["registered"] = True
        state["expected"] = state["expected"] or action == A.EXPECTED
        state.update(_registration_fields(event.detail, state["issuer"]))
    if action not in TARGET:
        if action == A.PASSWORD_SENT:
            state["password_sent_at"] = event.at
            state["password_via"] = event.detail.get("via")
        elif action == A.LABELLED:
            state["labelled"] += 1
        elif action == A.TRACKING:
            state["tracking"] = event.detail["ref"]
        elif action == A.ACKNOWLEDGED:
            state["acknowledged_at"] = event.at
        return
    status, at, detail = state["status"], event.at, event.detail
    problems = []
    if status is None and action == A.RECEIVE and detail.get("unexpected"):
        # Not ours and never announced: an arrival to follow up, not a scan out of order.
        state["unexpected"] = True
        state["issuer"] = detail.get("issuer", state["issuer"])
    elif (status, action) not in TRANSITIONS:
        problems.append(anomaly_text(status, action))
    if action != A.REGISTER and state["registered_at"] and at < state["registered_at"]:
        problems.append(f"{action} dated before the medium was registered")
    if problems:
        anomaly = Anomaly(event.event_id, at, "; ".join(problems))
        state["anomalies"] = (*state["anomalies"], anomaly)
    if action == A.RECEIVE:
        state["received_site"] = event.site
        state["misdelivered"] = bool(state["destination"]) and event.site != state["destination"]
        # Recorded unannounced stays so, even once a late manifest announces the disc.
        state["unexpected"] = state["unexpected"] or bool(detail.get("unexpected"))
        if "studies" in detail:
            state["received_studies"] = studies_from_detail(detail["studies"])
    elif action in (A.IMPORTED, A.IMPORT_FAILED, A.IMPORT_PARTIAL):
        state["import_check"] = import_check_of(action, detail)
    elif action in (A.DISPATCH, A.EXPECTED):
        # A new parcel: the tracking reference of an earlier dispatch no longer applies;
        # a partner's manifest may carry the parcel's reference.
        state["tracking"] = detail.get("tracking")
    state[_STAMP[action]] = at
    state["status"] = TARGET[action]
    state["status_at"] = at


def fold(media_id: str, events: Iterable[Event]) -> MediaState:
    """A medium's state: its effective events applied in the order they happened.

    The state is a dict while the events are applied (one NamedTuple at the end, not one
    per event: `verify` folds millions of media).
    """
    state = dict(_BLANK, media_id=media_id)
    for event in effective(events):
        _apply(state, event)
    return MediaState._make(state.values())


def duplicate_of(
    events: Iterable[Event], action: str, at: datetime, window: timedelta
) -> Event | None:
    """The effective event that a new scan repeats (same action, within the window), if any."""
    for e in effective(events):
        if e.action == action and abs(e.at - at) <= window:
            return e
    return None
