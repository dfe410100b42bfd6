"""What reminder e-mails have been sent: one row per (day, recipient, item).

Not events: a reminder changes nothing about a medium. Kept so that `custody remind` run
twice on a day sends nothing new, and a "since yesterday" list is only what is new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger import store
from ledger.clock import to_text
from ledger.schema import ReminderRow

SENT: sa.Table = ReminderRow.__table__  # type: ignore[attr-defined]


def sent_items(engine: Engine, recipient: str, day: date | None = None) -> set[str]:
    """The items sent to `recipient` on `day` (None: on any day)."""
    query = sa.select(SENT.c.item).where(SENT.c.recipient == recipient)
    if day is not None:
        query = query.where(SENT.c.day == day.isoformat())
    with store.connect(engine) as conn:
        return {row[0] for row in conn.execute(query)}


def record_sent(
    engine: Engine, recipient: str, day: date, items: Iterable[str], at: datetime
) -> None:
    """Record that these items went to `recipient` today (after the e-mail was accepted)."""
    rows = [
        {"day": day.isoformat(), "recipient": recipient, "item": item, "sent_at": to_text(at)}
        for item in dict.fromkeys(items)
    ]
    if not rows:
        return
    with store.connect(engine, write=True) as conn:
        already = sent_items_on(conn, recipient, day)
        fresh = [r for r in rows if r["item"] not in already]
        if fresh:
            conn.execute(sa.insert(SENT), fresh)


def sent_items_on(conn: sa.Connection, recipient: str, day: date) -> set[str]:
    """The items sent to `recipient` on `day`, on an open connection."""
    query = sa.select(SENT.c.item).where(
        SENT.c.recipient == recipient, SENT.c.day == day.isoformat()
    )
    return {row[0] for row in conn.execute(query)}
