"""A station's offline journal: scans kept in a local append-only file while the ledger is away.

One JSON object a line, each a complete event with its `event_id` and the
time it happened. `sync` replays the file through the same scan rules as a
station online, so replaying it twice records each event once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ledger.errors import CustodyError, JournalError
from ledger.events import SCAN_ACTIONS, Action, Event, detail_text, event_from_json, event_json

if TYPE_CHECKING:
    from ledger.api import Ledger, ScanResult


def event_line(event: Event) -> str:
    """One journal line: the event as canonical JSON, times in stored UTC form."""
    return detail_text(event_json(event))


def event_from_line(text: str) -> Event:
    """An event read back from a journal line; ValueError if the line is not one."""
    event = event_from_json(json.loads(text))
    if event.action not in {*(a.value for a in SCAN_ACTIONS), Action.TRACKING}:
        raise ValueError(f"{event.action!r} is not a scan action or a tracking code")
    return event


def append(path: Path, event: Event) -> None:
    """Add one event to the journal and make it durable before returning."""
    line = (event_line(event) + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise JournalError(f"cannot write the journal {path}: {exc.strerror}") from None


def read(path: Path) -> tuple[list[Event], list[str]]:
    """The journal's events in the order queued, and a problem for each line that is not one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror}") from None
    events: list[Event] = []
    problems: list[str] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            events.append(event_from_line(line.decode()))
        except (ValueError, TypeError, KeyError) as exc:
            # A line cut short by a power cut; the rest of the journal is still good.
            problems.append(f"line {number}: unreadable ({exc})")
    return events, problems


class Replayed(NamedTuple):
    """A queued event and what the ledger made of it."""

    event: Event
    result: ScanResult


class Refusal(NamedTuple):
    """A queued event the ledger refuses now, and why."""

    event: Event
    reason: str


class SyncReport(NamedTuple):
    """What a replay of the journal did."""

    recorded: list[Replayed]
    already: list[Event]
    duplicates: list[Replayed]
    refused: list[Refusal]
    unreadable: list[str]


def replay(ledger: Ledger, events: Sequence[Event]) -> SyncReport:
    """Record queued events with their own IDs and times, by the rules of a scan online."""
    recorded: list[Replayed] = []
    already: list[Event] = []
    duplicates: list[Replayed] = []
    refused: list[Refusal] = []
    sites = {o.code for o in ledger.organisations()}
    with ledger.session():
        for event in events:
            if event.site not in sites:
                refused.append(Refusal(event, f"site {event.site!r} is not an organisation here"))
                continue
            if event.action == Action.TRACKING:
                _replay_tracking(ledger, event, recorded, already, refused)
                continue
            try:
                result = ledger.scan(
                    event.action,
                    event.media_id,
                    site=event.site,
                    operator=event.operator,
                    at=event.at,
                    detail=event.detail,
                    event_id=event.event_id,
                )
            except CustodyError as exc:
                refused.append(Refusal(event, str(exc)))
                continue
            if result.outcome == "recorded":
                recorded.append(Replayed(event, result))
            elif result.outcome == "duplicate" and result.event_id == event.event_id:
                already.append(event)
            elif result.outcome == "duplicate":
                duplicates.append(Replayed(event, result))
            else:
                refused.append(Refusal(event, result.reason or "refused"))
    return SyncReport(recorded, already, duplicates, refused, [])


def _replay_tracking(
    ledger: Ledger,
    event: Event,
    recorded: list[Replayed],
    already: list[Event],
    refused: list[Refusal],
) -> None:
    """A queued tracking code for one disc: attached once, however often the journal is replayed.

    Its dispatch was queued before it, so it is recorded by the time this runs.
    """
    from ledger.api import ScanResult

    try:
        result = ledger.attach_tracking(
            [event.media_id],
            str(event.detail.get("ref", "")),
            site=event.site,
            operator=event.operator,
            at=event.at,
        )
    except CustodyError as exc:
        refused.append(Refusal(event, str(exc)))
        return
    if not result.recorded:
        already.append(event)
        return
    state = ledger.show(event.media_id).state
    scan = ScanResult(
        result.ref.text,
        "recorded",
        event.media_id,
        f"{state.status}, tracking {result.ref.grouped}",
    )
    recorded.append(Replayed(event, scan))


def sync(ledger: Ledger, path: Path) -> SyncReport:
    """Replay a station's journal into the ledger; running it again records nothing twice."""
    events, problems = read(path)
    return replay(ledger, events)._replace(unreadable=problems)
