"""Chain verification: every event's hash recomputed in recording order, and the chain head."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from ledger import store
from ledger.errors import IntegrityError
from ledger.events import GENESIS, event_hash


class ChainReport(NamedTuple):
    """A verified ledger: how many events, and the digest of the last."""

    events: int
    head: str


def verify_chain(conn: sa.Connection) -> ChainReport:
    """Recompute the hash chain; IntegrityError names the first event that fails."""
    prev, count, last_seq = GENESIS, 0, 0
    head_count, head_hash = store.head(conn)
    rows = conn.execution_options(yield_per=5000).execute(
        sa.select(store.EVENTS).order_by(store.EVENTS.c.seq)
    )
    for row in rows:
        event = store.to_event(row)
        where = f"event #{row.seq} ({row.event_id})"
        if row.prev_hash != prev:
            raise IntegrityError(
                f"{where} does not follow the event before it: "
                "an event was deleted, inserted or reordered"
            )
        if event_hash(event, prev) != row.hash:
            raise IntegrityError(f"{where} does not verify: its content was changed")
        prev, count, last_seq = row.hash, count + 1, row.seq
    if count != head_count or prev != head_hash:
        raise IntegrityError(
            f"the chain head records {head_count} events but {count} verify "
            f"(last #{last_seq}): events were deleted from the end"
        )
    return ChainReport(count, prev)


def head_at(conn: sa.Connection, moment: datetime) -> ChainReport:
    """The chain as it stood at `moment`: events recorded by then, and the last one's hash."""
    return ChainReport(*store.head_at(conn, moment))
