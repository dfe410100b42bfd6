"""Events: the only facts the ledger stores. Frozen, hash-chained, never edited.

Everything else (a medium's status, its anomalies, the reports) is derived
from them. Each event says what (media_id), when it happened (`at`) and when
it was recorded (`recorded_at`), where (`site`), who (`operator`), why
(`action`) and any detail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ledger.clock import to_text

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
    RETURNED = "returned"
    DESTROYED = "destroyed"
    LOST = "lost"
    CORRECT = "correct"
    # An electronic transfer (IEP, DICOM push...): no medium, no label, no scans.
    TRANSFER = "transfer"
    # The IR1 workflow: a filed form's reference, and its closure. Status is unchanged.
    IR1_FILED = "ir1-filed"
    IR1_CLOSED = "ir1-closed"


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


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded fact about a medium."""

    event_id: str
    media_id: str
    action: str
    at: datetime
    recorded_at: datetime
    site: str
    operator: str
    detail: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    prev_hash: str = GENESIS
    hash: str = ""


def canonical(event: Event, prev_hash: str) -> str:
    """The exact text that an event's hash covers: every field but seq, keys sorted."""
    body = {
        "event_id": event.event_id,
        "media_id": event.media_id,
        "action": event.action,
        "at": to_text(event.at),
        "recorded_at": to_text(event.recorded_at),
        "site": event.site,
        "operator": event.operator,
        "detail": event.detail,
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Event, prev_hash: str) -> str:
    """SHA-256 of the canonical content, chained to the previous event's hash."""
    return hashlib.sha256(canonical(event, prev_hash).encode()).hexdigest()


def detail_text(detail: dict[str, Any]) -> str:
    """How a detail is stored: canonical JSON."""
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
