"""Events: the only facts the ledger stores. Frozen, hash-chained, never edited.

Everything else (a medium's status, its anomalies, the reports) is derived
from them. Each event says what (media_id), when it happened (`at`) and when
it was recorded (`recorded_at`), where (`site`), who (`operator`), why
(`action`) and any detail.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from ledger.clock import aware_time, to_text

GENESIS = "0" * 64


class Action(StrEnum):
    """Why an event was recorded."""

    REGISTER = "register"
    PASSWORD_SENT = "password-sent"
    LABELLED = "labelled"
    DISPATCH = "dispatch"
    RECEIVE = "receive"
    TO_PACS = "to-pacs"
    IMPORTED = "imported"
    IMPORT_FAILED = "import-failed"
    IMPORT_PARTIAL = "import-partial"  # recorded by `custody pacs verify`, not scanned
    RETURNED = "returned"
    DESTROYED = "destroyed"
    LOST = "lost"
    CORRECT = "correct"
    # A partner's manifest says the medium is on its way here (ledger.manifests).
    EXPECTED = "expected"
    # An electronic transfer (IEP, DICOM push...): no medium, no label, no scans.
    TRANSFER = "transfer"
    # The IR1 workflow: a filed form's reference, and its closure. Status is unchanged.
    IR1_FILED = "ir1-filed"
    IR1_CLOSED = "ir1-closed"
    # The parcel's tracking reference, attached to a dispatch after the fact. Status is unchanged.
    TRACKING = "tracking"
    # The recipient of an unencrypted disc signed that they understand the risk. Status unchanged.
    ACKNOWLEDGED = "acknowledged"


SCAN_ACTIONS = (
    Action.DISPATCH,
    Action.RECEIVE,
    Action.TO_PACS,
    Action.IMPORTED,
    Action.IMPORT_FAILED,
    Action.RETURNED,
    Action.DESTROYED,
    Action.LOST,
)


class Event(NamedTuple):
    """One recorded fact about a medium (a NamedTuple: immutable, and cheap to build by the
    million when `verify` reads every event back; `_replace` makes a changed copy).

    `detail` defaults to one shared empty dict: nothing writes into an event's detail.
    """

    event_id: str
    media_id: str
    action: str
    at: datetime
    recorded_at: datetime
    site: str
    operator: str
    detail: dict[str, Any] = {}  # noqa: RUF012
    seq: int | None = None
    prev_hash: str = GENESIS
    hash: str = ""


def canonical(event: Event, prev_hash: str, detail_json: str | None = None) -> str:
    """The exact text that an event's hash covers: every field but seq, as compact JSON.

    Equal to json.dumps of the fields with sorted keys; built by hand (keys in sorted order)
    so that a bulk import encodes each detail once, for storage and hash alike.
    """
    dump = _dump
    return (
        f'{{"action":{dump(str(event.action))},"at":"{to_text(event.at)}",'
        f'"detail":{detail_json if detail_json is not None else detail_text(event.detail)},'
        f'"event_id":{dump(event.event_id)},"media_id":{dump(event.media_id)},'
        f'"operator":{dump(event.operator)},"prev":"{prev_hash}",'
        f'"recorded_at":"{to_text(event.recorded_at)}","site":{dump(event.site)}}}'
    )


def canonical_parts(event: Event) -> tuple[str, str]:
    """The canonical text before and after the previous hash, for a database to chain."""
    marker = uuid.uuid4().hex * 2  # shaped like a digest; never appears in the content
    before, after = canonical(event, marker).split(marker)
    return before, after


def event_hash(event: Event, prev_hash: str, detail_json: str | None = None) -> str:
    """SHA-256 of the canonical content, chained to the previous event's hash."""
    return hashlib.sha256(canonical(event, prev_hash, detail_json).encode()).hexdigest()


# JSON for one string, in C: what json.dumps(..., ensure_ascii=False) writes for a str.
_dump = json.encoder.encode_basestring


# One encoder for every detail: json.dumps with options builds a new encoder on each call.
_detail_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def detail_text(detail: dict[str, Any]) -> str:
    """How a detail is stored: canonical JSON (sorted keys, compact)."""
    return _detail_encode(detail)


def new_event_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs, as text: one read of the OS random source for all.

    A bulk registration needs 100,000 at once; uuid.uuid4() one by one cost more than
    hashing the events.
    """
    raw = os.urandom(16 * count).hex()
    ids = []
    for i in range(0, 32 * count, 32):
        h = raw[i : i + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return ids


_PORTABLE = ("event_id", "media_id", "action", "at", "recorded_at", "site", "operator", "detail")


def event_json(event: Event) -> dict[str, Any]:
    """An event as it travels between ledgers (journal, receipts): times in stored UTC form."""
    return {
        "event_id": event.event_id,
        "media_id": event.media_id,
        "action": event.action,
        "at": to_text(event.at),
        "recorded_at": to_text(event.recorded_at),
        "site": event.site,
        "operator": event.operator,
        "detail": event.detail,
    }


def event_from_json(data: Any) -> Event:
    """An event back from its travelling form; ValueError if it is not a complete one."""
    if not isinstance(data, dict) or any(k not in data for k in _PORTABLE):
        raise ValueError("not a complete event")
    if not isinstance(data["detail"], dict):
        raise ValueError("detail is not an object")
    return Event(
        event_id=str(data["event_id"]),
        media_id=str(data["media_id"]),
        action=str(data["action"]),
        at=aware_time(data["at"], "at"),
        recorded_at=aware_time(data["recorded_at"], "recorded_at"),
        site=str(data["site"]),
        operator=str(data["operator"]),
        detail=dict(data["detail"]),
    )
