"""Status is the fold of events through the transition table; anomalies are flagged, not refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ledger.events import Event
from ledger.transitions import TRANSITIONS, Status, duplicate_of, fold, voided_ids

T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def ev(action: str, hours: float, seq: int, site: str = "RGT", **detail: object) -> Event:
    at = T0 + timedelta(hours=hours)
    return Event(str(uuid.uuid4()), "RGT00000042X", action, at, at, site, "op", dict(detail), seq)


def registered(**extra: object) -> Event:
    return ev("register", 0, 1, destination="RXH", encrypted=True, **extra)


def test_the_main_path_has_no_anomalies() -> None:
    events = [
        registered(),
        ev("dispatch", 1, 2),
        ev("receive", 30, 3, site="RXH"),
        ev("to-pacs", 31, 4, site="RXH"),
        ev("imported", 32, 5, site="RXH"),
    ]
    state = fold("RGT00000042X", events)
    assert state.status == Status.IMPORTED
    assert state.anomalies == ()
    assert state.received_site == "RXH" and not state.misdelivered


def test_receipt_without_dispatch_is_recorded_and_flagged() -> None:
    state = fold("RGT00000042X", [registered(), ev("receive", 5, 2, site="RXH")])
    assert state.status == Status.RECEIVED
    assert [a.text for a in state.anomalies] == ["receive while registered: no dispatch recorded"]


def test_anything_after_destroyed_is_flagged() -> None:
    events = [registered(), ev("destroyed", 1, 2), ev("dispatch", 2, 3)]
    state = fold("RGT00000042X", events)
    assert state.status == Status.DISPATCHED
    assert state.anomalies[0].text == "dispatch after the medium was recorded destroyed"


def test_late_entry_sorts_by_when_it_happened() -> None:
    # The dispatch was typed in from the paper log after the receipt was scanned.
    events = [registered(), ev("receive", 30, 2, site="RXH"), ev("dispatch", 1, 3)]
    state = fold("RGT00000042X", events)
    assert state.status == Status.RECEIVED
    assert state.anomalies == ()


def test_scan_dated_before_registration_is_flagged() -> None:
    events = [registered(), ev("receive", -48, 2, site="RXH")]
    state = fold("RGT00000042X", events)
    assert "dated before the medium was registered" in state.anomalies[0].text


def test_receipt_at_the_wrong_site_is_misdelivered() -> None:
    state = fold("RGT00000042X", [registered(), ev("dispatch", 1, 2), ev("receive", 9, 3, "R1K")])
    assert state.misdelivered and state.received_site == "R1K"


def test_correction_voids_an_event_and_a_second_correction_restores_it() -> None:
    lost = ev("lost", 2, 3)
    events = [registered(), ev("dispatch", 1, 2), lost]
    assert fold("RGT00000042X", events).status == Status.LOST
    fix = ev("correct", 3, 4, voids=lost.event_id, reason="wrong disc")
    assert fold("RGT00000042X", [*events, fix]).status == Status.DISPATCHED
    undo = ev("correct", 4, 5, voids=fix.event_id, reason="it was right")
    assert fold("RGT00000042X", [*events, fix, undo]).status == Status.LOST


def test_corrections_of_corrections_to_any_depth() -> None:
    dispatch = ev("dispatch", 1, 2)
    events = [registered(), dispatch]
    c1 = ev("correct", 2, 3, voids=dispatch.event_id, reason="not sent")
    c2 = ev("correct", 3, 4, voids=c1.event_id, reason="it was sent")
    c3 = ev("correct", 4, 5, voids=c2.event_id, reason="no, it was not")
    statuses = [
        fold("RGT00000042X", events[:2] + chain).status
        for chain in ([], [c1], [c1, c2], [c1, c2, c3])
    ]
    assert statuses == [Status.DISPATCHED, Status.REGISTERED, Status.DISPATCHED, Status.REGISTERED]
    assert voided_ids([*events, c1, c2, c3]) == {dispatch.event_id, c2.event_id}


def test_duplicate_window() -> None:
    events = [registered(), ev("dispatch", 1, 2)]
    at = events[1].at
    window = timedelta(seconds=10)
    assert duplicate_of(events, "dispatch", at + timedelta(seconds=3), window) is events[1]
    assert duplicate_of(events, "dispatch", at + timedelta(seconds=11), window) is None
    assert duplicate_of(events, "receive", at, window) is None


def test_every_status_is_reachable_by_expected_moves_alone() -> None:
    from ledger.transitions import TARGET

    reached: set[Status | None] = {None}
    frontier: list[Status | None] = [None]
    while frontier:
        current = frontier.pop()
        for frm, action in TRANSITIONS:
            if frm == current and TARGET[action] not in reached:
                reached.add(TARGET[action])
                frontier.append(TARGET[action])
    assert reached - {None} == set(Status)
