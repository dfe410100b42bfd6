"""Scanning: one code read at a desk or station becomes an event, a duplicate, or a refusal."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Literal, NamedTuple

from ledger import store
from ledger.clock import london
from ledger.errors import InvalidMediaId, InvalidTime, InvalidValue, LedgerBusy
from ledger.events import SCAN_ACTIONS, Action, Event
from ledger.ids import MediaId, parse_media_id
from ledger.recording import record
from ledger.transitions import MediaState, duplicate_of, fold
from ledger.work import Work

SCAN_ATTEMPTS = 50

# Opens one unit of work for a scan attempt: (write=True, lock_head=False).
Units = Callable[..., AbstractContextManager[Work]]


class ScanResult(NamedTuple):
    """What became of one scanned code."""

    code: str
    outcome: Literal["recorded", "duplicate", "refused"]
    media_id: str | None = None
    status: str | None = None
    reason: str | None = None
    anomaly: str | None = None
    event_id: str | None = None
    state: MediaState | None = None


class Scan(NamedTuple):
    """One scan as given: what was done, to which code, where, by whom, when."""

    action: str
    code: str
    operator: str
    site: str | None = None
    at: Any = None
    detail: dict[str, Any] | None = None
    event_id: str | None = None


def scan(unit: Units, given: Scan) -> ScanResult:
    """Record one scan; never raises for a bad code, which is refused with a reason.

    `unit` opens a unit of work (`OpenLedger.unit`). `event_id` names the event in advance
    (a station's journal), so a replay records it once. A receipt of another organisation's
    medium never seen here is an unexpected arrival.
    """
    if given.action not in {a.value for a in SCAN_ACTIONS}:
        raise InvalidValue(
            f"{given.action!r} is not a scan action ({', '.join(SCAN_ACTIONS)})", field="action"
        )
    try:
        parsed = parse_media_id(given.code)
    except InvalidMediaId as exc:
        return ScanResult(given.code, "refused", reason=str(exc))
    # On PostgreSQL the medium is read without the chain lock, so stations do not queue
    # behind each other's reads; if another station wrote to it meanwhile, read again.
    for _attempt in range(SCAN_ATTEMPTS):
        with unit(write=True, lock_head=False) as work:
            result = _try_once(work, given, parsed)
        if result is not None:
            return result
    raise LedgerBusy(f"{parsed}: scanned elsewhere {SCAN_ATTEMPTS} times meanwhile; scan again")


def _try_once(work: Work, given: Scan, parsed: MediaId) -> ScanResult | None:
    """One try at recording a scan; None if another writer changed the medium meanwhile."""
    media_id = str(parsed)
    try:
        when = work.check_at(given.at)
    except InvalidTime as exc:
        return ScanResult(given.code, "refused", media_id, reason=f"{media_id}: dated {exc}")
    events = store.media_events(work.conn, media_id)
    settled = _not_recorded(work, given, parsed, events, when)
    if settled is not None:
        return settled
    extra = {} if events else {"unexpected": True, "issuer": parsed.issuer}
    event = work.event(
        media_id,
        given.action,
        when,
        given.operator,
        {**(given.detail or {}), **extra},
        site=given.site,
        event_id=given.event_id,
    )
    states = record(work.conn, [event], {media_id: events}, guarded=True)
    if states is None:
        return None
    (state,) = states
    anomaly = next((a.text for a in state.anomalies if a.event_id == event.event_id), None)
    return ScanResult(
        given.code,
        "recorded",
        media_id,
        str(state.status),
        anomaly=anomaly,
        event_id=event.event_id,
        state=state,
    )


def _not_recorded(
    work: Work, given: Scan, parsed: MediaId, events: list[Event], when: Any
) -> ScanResult | None:
    """The refusal or duplicate this scan is, if it is one."""
    media_id, event_id = str(parsed), given.event_id
    same = next((e for e in events if e.event_id == event_id), None)
    if event_id and same is None and store.known_event_ids(work.conn, [event_id]):
        reason = f"{media_id}: event {event_id} is recorded for another medium"
        return ScanResult(given.code, "refused", media_id, reason=reason)
    if same is not None:
        time = london(same.at, seconds=True)[11:]
        return _duplicate(given.code, events, same, f"{same.action} at {time} (same event)")
    unexpected = given.action == Action.RECEIVE and parsed.issuer != work.home.code
    if not events and not unexpected:
        reason = f"{media_id}: unknown medium (not registered)"
        return ScanResult(given.code, "refused", media_id, reason=reason)
    dup = duplicate_of(events, given.action, when, work.duplicate_window)
    if dup is not None:
        time = london(dup.at, seconds=True)[11:]
        return _duplicate(given.code, events, dup, f"{given.action} at {time}")
    return None


def _duplicate(code: str, events: list[Event], earlier: Event, what: str) -> ScanResult:
    state = fold(earlier.media_id, events)
    return ScanResult(
        code,
        "duplicate",
        earlier.media_id,
        status=str(state.status),
        reason=f"already recorded {what}",
        event_id=earlier.event_id,
        state=state,
    )
