"""What reminder e-mails have been sent: one row per (day, recipient, item).

Not events: a reminder changes nothing about a medium. Kept so that `custody remind` run
twice on a day sends nothing new, and a "since yesterday" list is only what is new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from ledger.clock import to_text
from ledger.schema import ReminderRow
from ledger.work import Work

SENT: sa.Table = ReminderRow.__table__  # type: ignore[attr-defined]


def sent_items(conn: sa.Connection, recipient: str, day: date | None = None) -> set[str]:
    """The items sent to `recipient` on `day` (None: on any day)."""
    query = sa.select(SENT.c.item).where(SENT.c.recipient == recipient)
    if day is not None:
        query = query.where(SENT.c.day == day.isoformat())
    return {row[0] for row in conn.execute(query)}


def record_sent(work: Work, recipient: str, day: date, items: Iterable[str]) -> None:
    """Record that these items went to `recipient` on `day`, now (after the e-mail was
    accepted); an item already recorded for that day is left as it is."""
    already, at = sent_items(work.conn, recipient, day), to_text(work.now())
    fresh = [
        {"day": day.isoformat(), "recipient": recipient, "item": item, "sent_at": at}
        for item in dict.fromkeys(items)
        if item not in already
    ]
    if fresh:
        work.conn.execute(sa.insert(SENT), fresh)
