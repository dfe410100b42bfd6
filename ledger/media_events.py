"""Events on a medium besides scans: password sent, labels printed, tracking, handover signed,
IR1 filed and closed, corrections, a partner's events; and electronic transfers (no medium).

Each is a function of the caller's unit of work (`ledger.work.Work`) and records through
`ledger.recording.record`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ledger import store
from ledger.clock import out_of_range, to_text
from ledger.errors import (
    InvalidTime,
    InvalidValue,
    NoAcknowledgement,
    NotCorrectable,
    NotDispatched,
    UnknownEvent,
)
from ledger.events import Action, Event
from ledger.handover import (
    HandoverFacts,
    acknowledgement_detail,
    acknowledgement_problem,
    handover_facts,
)
from ledger.ids import TrackingRef, parse_media_id, parse_tracking
from ledger.organisations import org
from ledger.reasons import INCIDENT_REASONS, TRANSFER_ROUTES
from ledger.recording import record
from ledger.registration import context, normalised_registration
from ledger.rules import PASSWORD_ROUTES, destination_known, study_identifiers_wellformed
from ledger.text import NAME_MAX, NOTE_MAX, OPERATOR_MAX, checked_text, text_problem
from ledger.transitions import fold, voided_ids
from ledger.work import Work


class TrackingResult(NamedTuple):
    """A tracking reference attached: the events recorded, and media that carried it already."""

    ref: TrackingRef
    recorded: list[Event]
    already: list[str]


def _one(
    work: Work, code: str, action: str, at: datetime, operator: str, detail: dict[str, Any]
) -> Event:
    """Record one event on a known medium."""
    media_id = str(parse_media_id(code))
    events = work.events_of(media_id)
    event = work.event(media_id, action, at, operator, detail)
    record(work.conn, [event], {media_id: events})
    return event


def password_sent(
    work: Work,
    code: str,
    *,
    via: str,
    to: str | None = None,
    operator: str,
    at: datetime | None = None,
) -> Event:
    """Record that (and how) a medium's password was sent. The password is never stored."""
    if via not in PASSWORD_ROUTES:
        raise InvalidValue(
            f"{{via}} {via!r} is not one of {', '.join(PASSWORD_ROUTES)}", field="via"
        )
    media_id = str(parse_media_id(code))
    when = work.check_at(at)
    events = work.events_of(media_id)
    if not fold(media_id, events).encrypted:
        raise InvalidValue(f"{media_id} is not encrypted: it has no password to send")
    detail: dict[str, Any] = {"via": via}
    if to:
        detail["to"] = checked_text(to, "{to}", NAME_MAX, field="to")
    event = work.event(media_id, Action.PASSWORD_SENT, when, operator, detail)
    record(work.conn, [event], {media_id: events})
    return event


def labelled(
    work: Work,
    codes: Sequence[str],
    *,
    template: str,
    file: str,
    operator: str,
    patient_ref: bool = False,
    at: datetime | None = None,
) -> list[Event]:
    """Record that labels were printed for these media: one event each, all or nothing.

    A medium given twice gets one event with `copies` in its detail; `patient_ref` notes
    that the label shows a patient reference (never the reference itself). Unknown media
    raise UnknownMedia and nothing is recorded.
    """
    copies = Counter(str(parse_media_id(code)) for code in codes)
    when = work.check_at(at)
    recorded = []
    for media_id, count in copies.items():
        detail: dict[str, Any] = {"template": template, "file": file}
        if count > 1:
            detail["copies"] = count
        if patient_ref:
            detail["patient_ref"] = True
        recorded.append(_one(work, media_id, Action.LABELLED, when, operator, detail))
    return recorded


def attach_tracking(
    work: Work,
    codes: Sequence[str],
    ref: str,
    *,
    operator: str,
    site: str | None = None,
    at: datetime | None = None,
) -> TrackingResult:
    """Attach a parcel's tracking reference to the dispatch of each medium: one `tracking`
    event each, all or nothing.

    An S10 reference must pass its check digit; another courier's is kept as given. A
    medium with no dispatch recorded raises NotDispatched; one whose current dispatch
    already carries this reference is left as it is.
    """
    tracking = parse_tracking(ref)
    media_ids = list(dict.fromkeys(str(parse_media_id(code)) for code in codes))
    if not media_ids:
        raise InvalidValue("no media to attach the tracking reference to")
    when = work.check_at(at)
    where = org(work.conn, site).code if site else work.home.code
    recorded, already = [], []
    for media_id in media_ids:
        events = work.events_of(media_id)
        state = fold(media_id, events)
        if state.dispatched_at is None:
            raise NotDispatched(
                f"{media_id}: no dispatch recorded, so no parcel to track: scan its dispatch first"
            )
        if state.tracking == tracking.text:
            already.append(media_id)
            continue
        detail = {"ref": tracking.text, "s10": tracking.s10}
        event = work.event(media_id, Action.TRACKING, when, operator, detail, site=where)
        record(work.conn, [event], {media_id: events})
        recorded.append(event)
    return TrackingResult(tracking, recorded, already)


def tracking_for_scan(action: str, ref: str | None, *, station: bool = False) -> TrackingRef | None:
    """A tracking reference given with a scan, checked before anything is recorded."""
    if ref is None:
        return None
    if action != Action.DISPATCH:
        raise InvalidValue(
            "{tracking} goes with dispatch: it is the parcel's reference",
            field="tracking",
        )
    if station:
        raise InvalidValue(
            "at the station, scan the parcel's tracking barcode after its discs "
            "({tracking} is for media IDs given on the command line)",
            field="tracking",
        )
    return parse_tracking(ref)


def acknowledge_handover(
    work: Work,
    code: str,
    *,
    acknowledged_by: str,
    relationship: str = "patient",
    operator: str,
    at: datetime | None = None,
) -> Event:
    """Record that the recipient of an unencrypted disc signed the handover form."""
    try:
        detail = acknowledgement_detail(acknowledged_by, relationship)
    except ValueError as exc:
        message, field = exc.args
        raise InvalidValue(message, field=field) from None
    media_id = str(parse_media_id(code))
    when = work.check_at(at)
    problem = acknowledgement_problem(fold(media_id, work.events_of(media_id)))
    if problem:
        raise NoAcknowledgement(problem)
    return _one(work, media_id, Action.ACKNOWLEDGED, when, operator, detail)


def handover_form(work: Work, code: str) -> HandoverFacts:
    """What the handover form prints for a medium; NoAcknowledgement if it has no handover."""
    media_id = parse_media_id(code)
    state = fold(str(media_id), work.events_of(str(media_id)))
    home = work.home
    try:
        return handover_facts(state, media_id.grouped, home.name, home.address or "")
    except ValueError as exc:
        raise NoAcknowledgement(str(exc)) from None


def correct(work: Work, event_id: str, *, reason: str, operator: str) -> Event:
    """Void an earlier event with a new one; nothing is edited or deleted."""
    if not reason.strip():
        raise InvalidValue("a correction needs a reason", field="reason")
    target = store.event_by_id(work.conn, event_id.strip().lower())
    if target is None:
        raise UnknownEvent(f"no event {event_id!r} in this ledger")
    if target.action == Action.REGISTER:
        raise NotCorrectable(
            "a registration cannot be voided; record the medium as destroyed instead"
        )
    events = store.media_events(work.conn, target.media_id)
    if target.event_id in voided_ids(events):
        raise NotCorrectable(f"event {target.event_id} is voided already")
    detail = {"voids": target.event_id, "reason": checked_text(reason, "reason", NOTE_MAX)}
    event = work.event(target.media_id, Action.CORRECT, work.now(), operator, detail)
    record(work.conn, [event], {target.media_id: events})
    return event


def transfer(
    work: Work,
    destination: str,
    *,
    route: str,
    accession: str | None = None,
    study_uid: str | None = None,
    operator: str,
    at: datetime | None = None,
) -> Event:
    """Record an electronic transfer (no medium): one event under a transfer ID of its own."""
    if route not in TRANSFER_ROUTES:
        raise InvalidValue(
            f"{{route}} {route!r} is not one of {', '.join(TRANSFER_ROUTES)}", field="route"
        )
    # The same checks as a registration's destination and study identifiers.
    target = normalised_registration("", destination, accession=accession, study_uid=study_uid)
    ctx = context(work)
    problems = destination_known(target, ctx) + study_identifiers_wellformed(target, ctx)
    if problems:
        raise InvalidValue("; ".join(problems))
    when = work.check_at(at)
    issuer = work.home.code
    detail: dict[str, Any] = {"issuer": issuer, "destination": target.destination, "route": route}
    if target.accession:
        detail["accession"] = target.accession
    if target.study_uid:
        detail["study_uid"] = target.study_uid
    (transfer_id,) = store.issue_media_ids(work.conn, issuer, 1)
    event = work.event(transfer_id, Action.TRANSFER, when, operator, detail)
    record(work.conn, [event])
    return event


def ir1_filed(
    work: Work, code: str, *, reason: str, ref: str, operator: str, at: datetime | None = None
) -> Event:
    """Record the reference the risk system gave an IR1 filed for (medium, reason)."""
    if not ref.strip():
        raise InvalidValue("{ref} needs the risk system's reference number", field="ref")
    detail = {"ref": checked_text(ref, "{ref}", NAME_MAX, field="ref")}
    return _ir1_event(work, code, Action.IR1_FILED, reason, detail, operator, at)


def ir1_closed(
    work: Work, code: str, *, reason: str, note: str, operator: str, at: datetime | None = None
) -> Event:
    """Close the IR1 (or IR1 candidate) for (medium, reason), saying why."""
    if not note.strip():
        raise InvalidValue("closing an IR1 needs a {note} saying why", field="note")
    detail = {"note": checked_text(note, "{note}", NOTE_MAX, field="note")}
    return _ir1_event(work, code, Action.IR1_CLOSED, reason, detail, operator, at)


def _ir1_event(
    work: Work,
    code: str,
    action: str,
    reason: str,
    detail: dict[str, Any],
    operator: str,
    at: datetime | None,
) -> Event:
    if reason not in INCIDENT_REASONS:
        raise InvalidValue(
            f"{{reason}} {reason!r} is not an incident reason ({', '.join(INCIDENT_REASONS)})",
            field="reason",
        )
    media_id = str(parse_media_id(code))
    when = work.check_at(at)
    return _one(work, media_id, action, when, operator, {"reason": reason, **detail})


def record_events(work: Work, events: Iterable[Event]) -> tuple[list[Event], list[Event]]:
    """Record events made elsewhere (a partner's receipts); an event ID seen before is skipped.

    Returns (recorded, already there). Media must be known to this ledger; all or nothing.
    `recorded_at` becomes the time this ledger records them (so a head digest "as of" a time
    never moves); the time the other ledger recorded one is kept in its detail.
    """
    unique = list({e.event_id: e for e in events}.values())
    now = work.now()
    for e in unique:
        problem = out_of_range(e.at, now) or out_of_range(e.recorded_at, now)
        if problem:
            raise InvalidTime(f"event {e.event_id} of {e.media_id} is dated {problem}")
        problem = text_problem(e.operator, "operator", OPERATOR_MAX)
        if problem:
            raise InvalidValue(f"event {e.event_id} of {e.media_id}: {problem}")
    seen = store.known_event_ids(work.conn, [e.event_id for e in unique])
    by_media: dict[str, list[Event]] = {}
    for e in unique:
        if e.event_id not in seen:
            stamp = {**e.detail, "recorded_elsewhere_at": to_text(e.recorded_at)}
            by_media.setdefault(e.media_id, []).append(e._replace(recorded_at=now, detail=stamp))
    before = {media_id: work.events_of(media_id) for media_id in by_media}
    fresh = [e for new in by_media.values() for e in new]
    record(work.conn, fresh, before)
    return fresh, [e for e in unique if e.event_id in seen]
