"""The one recording path: every event is chained, appended, folded and projected here.

It runs inside the caller's unit of work (`ledger.work.Work`): its connection's transaction
holds the writer lock, so the chain head moves once per event, in recording order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from ledger import store
from ledger.events import Action, Event
from ledger.transitions import MediaState, fold, registered_state


def record(
    conn: sa.Connection,
    new: Sequence[Event],
    before: Mapping[str, Sequence[Event]] | None = None,
    *,
    guarded: bool = False,
) -> list[MediaState] | None:
    """Chain and append `new`, fold each medium's whole history, save its projection row.

    `before` holds each medium's events as the caller read them (a medium not in it is new).
    A transfer has no medium, so no projection row. Returns the media's new states in the order
    they first appear. `guarded` (one event, the scan path): on PostgreSQL nothing is written and
    None comes back if another writer added to the medium since `before` was read.
    """
    history = before or {}
    if guarded:
        (event,) = new
        earlier = history.get(event.media_id, ())
        last = max((e.seq or 0 for e in earlier), default=0)
        state = fold(event.media_id, [*earlier, event._replace(seq=last + 1)])
        written = store.append_unless_changed(conn, event, earlier, state)
        return None if written is None else [state]
    if not new:
        return []
    first = store.append(conn, new) - len(new) + 1
    added: dict[str, list[tuple[int, Event]]] = {}
    for seq, event in enumerate(new, first):
        if event.action != Action.TRANSFER:
            added.setdefault(event.media_id, []).append((seq, event))
    states = [_state(media_id, history.get(media_id, ()), a) for media_id, a in added.items()]
    for is_new in (True, False):
        rows = [s for s in states if bool(history.get(s.media_id)) != is_new]
        if rows:
            store.save_media(conn, rows, new=is_new)
    return states


def _state(
    media_id: str, earlier: Sequence[Event], added: Sequence[tuple[int, Event]]
) -> MediaState:
    """A medium's state after the new events: a fresh registration is built whole (bulk
    registration makes 100,000 of these), anything else is the fold of its whole history."""
    if not earlier and len(added) == 1 and added[0][1].action == Action.REGISTER:
        return registered_state(added[0][1])
    return fold(media_id, [*earlier, *(e._replace(seq=seq) for seq, e in added)])
