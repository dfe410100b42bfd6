"""Is the ledger what its events say? The hash chain, and the projection re-folded from it.

`verify` proves, reading the events twice (in recording order, then medium by medium):

- the hash chain: every event's hash covers its content and the hash before it, the events
  link one to the next in recording order, and the chain head (count and last hash) is the
  last of them, so an edited, deleted, inserted or reordered event is named;
- every stored time is in the stored form;
- the `media` projection: every medium's row is re-folded from its events and compared
  column by column, so a row edited in the database (or left behind by a write that
  bypassed the ledger) is named with the column, the stored and the re-folded value.

Problems are data (`Problem`), collected and reported together; `rebuild_projection` writes
the projection again from the events (nothing else changes).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import store
from ledger.clock import from_text, to_text
from ledger.errors import InvalidValue, SigningKeyError
from ledger.events import GENESIS, Action, Event, event_hash
from ledger.signing import checkpoint_message, signed_by
from ledger.transitions import fold

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_dump = json.encoder.encode_basestring
_sha256 = hashlib.sha256
_EVENT_COLUMNS = (
    "seq, event_id, media_id, action, at, recorded_at, site, operator, detail, prev_hash, hash"
)
_BATCH = 20_000


class Problem(NamedTuple):
    """One thing `verify` found wrong: where (event seq or media ID) and what."""

    seq: int | None
    media_id: str | None
    text: str
    unreadable: bool = False  # a stored event that cannot even be read back


class Verified(NamedTuple):
    """What `verify` checked: events in the chain, the head digest, media re-folded, signed
    checkpoints checked (and the public key they were checked against)."""

    events: int
    head: str
    media: int
    problems: tuple[Problem, ...]
    checkpoints: int = 0
    public_key: str | None = None
    latest: str | None = None  # the latest checkpoint, DIGEST@COUNT


def _stream(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[Sequence[Any]]:
    """Rows of a query, read in batches: SQLite through its own cursor (a third faster than
    through SQLAlchemy's rows), PostgreSQL server-side. `params` only on SQLite (`?`)."""
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, tuple(params))
            while rows := cursor.fetchmany(_BATCH):
                yield from rows
        finally:
            cursor.close()
        return
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).exec_driver_sql(sql)
    for partition in result.partitions():
        yield from partition


def _raw_canonical(row: Sequence[Any]) -> str:
    """The canonical text of a stored event, built from its stored columns as they are.

    Equal to ledger.events.canonical of the event read back, when the stored detail is
    canonical JSON (as every writer stores it); otherwise the slow path decides.
    """
    _seq, event_id, media_id, action, at, recorded_at, site, operator, detail, prev, _h = row
    return (
        f'{{"action":{_dump(action)},"at":"{at}","detail":{detail},'
        f'"event_id":{_dump(event_id)},"media_id":{_dump(media_id)},'
        f'"operator":{_dump(operator)},"prev":"{prev}",'
        f'"recorded_at":"{recorded_at}","site":{_dump(site)}}}'
    )


_EMPTY: dict[str, Any] = {}  # shared by the many events with no detail; the fold never writes
# Details repeat (a password's route, a partner's site): each text is parsed once, and events
# with the same detail share one dict (nothing writes into an event's detail).
_detail = lru_cache(maxsize=65_536)(json.loads)


def _event(row: Sequence[Any]) -> Event:
    seq, event_id, media_id, action, at, recorded_at, site, operator, detail, prev, digest = row
    return Event(
        event_id,
        media_id,
        action,
        from_text(at),
        from_text(recorded_at),
        site,
        operator,
        _EMPTY if detail == "{}" else _detail(detail),
        seq,
        prev,
        digest,
    )


def check_links(conn: Connection) -> tuple[int, str, list[Problem]]:
    """The chain's links in recording order and its head: (events, last hash, problems)."""
    problems: list[Problem] = []
    prev, count, last_seq = GENESIS, 0, 0
    for seq, event_id, prev_hash, digest in _stream(
        conn, "SELECT seq, event_id, prev_hash, hash FROM events ORDER BY seq"
    ):
        if prev_hash != prev:
            problems.append(
                Problem(
                    seq,
                    None,
                    f"event #{seq} ({event_id}) does not follow the event before it: "
                    "an event was deleted, inserted or reordered",
                )
            )
        prev, count, last_seq = digest, count + 1, seq
    head_count, head_hash = store.head(conn)
    if count != head_count or prev != head_hash:
        problems.append(
            Problem(
                None,
                None,
                f"the chain head records {head_count} events but {count} verify "
                f"(last #{last_seq}): events were deleted from the end",
            )
        )
    return count, prev, problems


class _Range(NamedTuple):
    """Media IDs from `low` (included) to `high` (excluded); None: no bound."""

    low: str | None = None
    high: str | None = None

    def where(self) -> tuple[str, list[str]]:
        """An SQLite WHERE clause on media_id (`?` parameters), and its parameters."""
        terms, params = [], []
        if self.low is not None:
            terms.append("media_id >= ?")
            params.append(self.low)
        if self.high is not None:
            terms.append("media_id < ?")
            params.append(self.high)
        return (f"WHERE {' AND '.join(terms)} " if terms else ""), params


def _media_events(
    conn: Connection, span: _Range = _Range()
) -> Iterator[tuple[str, list[Sequence[Any]]]]:
    """Each medium's stored events (rows), medium by medium."""
    where, params = span.where()
    sql = f"SELECT {_EVENT_COLUMNS} FROM events {where}ORDER BY media_id, seq"
    for media_id, rows in itertools.groupby(_stream(conn, sql, params), itemgetter(2)):
        yield media_id, list(rows)


class _Read(NamedTuple):
    """A medium's stored events read back: the events (None if one cannot be read: the medium
    cannot be re-folded), the stored text of each event's time, and what is wrong."""

    events: list[Event] | None
    texts: dict[datetime, str]
    problems: list[Problem]


def _read_back(rows: Sequence[Sequence[Any]], *, hashes: bool = True) -> _Read:
    """Each stored event read back and (unless `hashes` is False) its hash checked against
    its content."""
    events: list[Event] = []
    texts: dict[datetime, str] = {}
    problems = []
    for row in rows:
        try:
            event = _event(row)
        except ValueError as exc:
            text = f"event #{row[0]} ({row[1]}) of {row[2]} cannot be read: {exc}"
            problems.append(Problem(row[0], row[2], text, unreadable=True))
            continue
        digest = row[10]
        if (
            hashes
            and _sha256(_raw_canonical(row).encode()).hexdigest() != digest
            and event_hash(event, row[9]) != digest
        ):
            text = f"event #{row[0]} ({row[1]}) does not verify: its content was changed"
            problems.append(Problem(row[0], row[2], text))
        events.append(event)
        texts[event.at] = row[4]
    unreadable = any(p.unreadable for p in problems)
    return _Read(None if unreadable else events, texts, problems)


def _stored_media(conn: Connection, span: _Range = _Range()) -> Iterator[dict[str, Any]]:
    columns = [c.name for c in store.MEDIA.columns]
    where, params = span.where()
    sql = f"SELECT {', '.join(columns)} FROM media {where}ORDER BY media_id"
    for row in _stream(conn, sql, params):
        yield dict(zip(columns, row, strict=True))


def _same(stored: Any, refolded: Any) -> bool:
    """Equal as the database gives it back (SQLite stores booleans as 0 and 1)."""
    if isinstance(refolded, bool) or isinstance(stored, bool):
        return stored is not None and bool(stored) == bool(refolded)
    return bool(stored == refolded)


def _row_problems(
    media_id: str, stored: dict[str, Any] | None, refolded: dict[str, Any] | None
) -> list[Problem]:
    """How a medium's stored projection row differs from the one its events make."""
    if stored is None and refolded is None:
        return []
    if stored is None:
        return [Problem(None, media_id, f"{media_id}: events, but no row in the media projection")]
    if refolded is None:
        return [Problem(None, media_id, f"{media_id}: a row in the media projection, no events")]
    if refolded.items() <= stored.items():  # in C; True == 1, as SQLite stores booleans
        return []
    return [
        Problem(
            None,
            media_id,
            f"{media_id}: column {column} is stored {stored.get(column)!r}, "
            f"re-folded from its events {value!r}",
        )
        for column, value in refolded.items()
        if not _same(stored.get(column), value)
    ]


def projected_row(
    media_id: str, events: Sequence[Event], texts: Mapping[datetime, str] | None = None
) -> dict[str, Any] | None:
    """The projection row the events make, or None for an ID with no medium (a transfer).
    `texts`: the stored text of the events' times, if at hand."""
    if all(e.action == Action.TRANSFER for e in events):
        return None
    return store.media_row(fold(media_id, events), texts)


class Expected(NamedTuple):
    """A head printed earlier: its digest, and how many events the chain had then (if given)."""

    digest: str
    events: int | None


def parse_expected(text: str) -> Expected:
    """`DIGEST` or `DIGEST@COUNT`, as `verify`, `checkpoint` and the monthly report print it."""
    digest, _, count = text.strip().lower().partition("@")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidValue(f"{text!r} is not a head digest (64 hex digits, then @COUNT if known)")
    if count and not count.isdigit():
        raise InvalidValue(f"{text!r}: after @ comes the number of events")
    return Expected(digest, int(count) if count else None)


def expected_problem(conn: Connection, expected: Expected) -> Problem | None:
    """Why the ledger does not extend the history that ended at `expected`, or None.

    With the chain verified, an event carrying that digest proves every event up to it is
    unchanged: its hash covers the one before it, back to the first.
    """
    seq = conn.execute(
        sa.select(store.EVENTS.c.seq).where(store.EVENTS.c.hash == expected.digest)
    ).scalar()
    shown = f"{expected.digest}@{expected.events}" if expected.events else expected.digest
    if seq is None:
        return Problem(
            None,
            None,
            f"no event has the expected head digest {shown}: the history that ended there was "
            "rewritten or cut short",
        )
    position = conn.execute(
        sa.select(sa.func.count()).select_from(store.EVENTS).where(store.EVENTS.c.seq <= seq)
    ).scalar_one()
    if expected.events is not None and position != expected.events:
        return Problem(
            None,
            None,
            f"the expected head {shown} is event {position} of the chain, not event "
            f"{expected.events}: events before it were added or removed",
        )
    return None


def checkpoint_problems(
    conn: Connection, home: str, public_key: str | None
) -> tuple[int, str | None, list[Problem]]:
    """Every signed checkpoint: its signature by `public_key`, and its head in the chain.

    Returns (checkpoints checked, the latest as DIGEST@COUNT, problems). Without a public
    key there is nothing to check a signature against; each checkpoint is then a problem.
    """
    rows = conn.execute(
        sa.select(store.CHECKPOINTS).order_by(store.CHECKPOINTS.c.events, store.CHECKPOINTS.c.id)
    ).all()
    problems: list[Problem] = []
    for row in rows:
        where = f"checkpoint {row.digest}@{row.events} (signed {row.signed_at})"
        message = checkpoint_message(home, row.events, row.digest, row.signed_at)
        if public_key is None:
            problems.append(Problem(None, None, f"{where}: no public key to check it against"))
        elif not signed_by(public_key, message, row.signature):
            problems.append(
                Problem(None, None, f"{where}: its signature is not by this ledger's key")
            )
        elif problem := expected_problem(conn, Expected(row.digest, row.events)):
            problems.append(Problem(None, None, f"{where}: {problem.text}"))
    latest = f"{rows[-1].digest}@{rows[-1].events}" if rows else None
    return len(rows), latest, problems


def verify(
    conn: Connection,
    expected: Expected | None = None,
    *,
    home: str = "",
    public_key: str | None = None,
) -> Verified:
    """Check the chain, every stored time, every projection row, every signed checkpoint
    and, if given, that the chain extends an expected head; every problem found."""
    with _media_check(conn) as media_result:
        count, last, problems = check_links(conn)
        if expected is not None and (problem := expected_problem(conn, expected)):
            problems.append(problem)
        checkpoints, latest, found = checkpoint_problems(conn, home, public_key)
        problems += found
        media, found = media_result()
    problems += found
    # Chain problems first, in recording order: the first of them is where it broke.
    chain = sorted((p for p in problems if p.seq is not None), key=lambda p: p.seq or 0)
    rest = [p for p in problems if p.seq is None]
    return Verified(count, last, media, (*chain, *rest), checkpoints, public_key, latest)


# A large SQLite ledger is re-folded by one process per CPU (the chain is checked in this
# one meanwhile), each taking ranges of media IDs in turn.
PARALLEL_FROM_EVENTS = 400_000
MAX_WORKERS = 4
SPANS_PER_WORKER = 4


@contextmanager
def _media_check(conn: Connection) -> Iterator[Callable[[], tuple[int, list[Problem]]]]:
    """The media pass: started in other processes for a large SQLite file (its result is
    then collected by the function given), else run in this one when the function is called.

    Each process reads its range in a read transaction of its own; a write that lands
    between them is seen by some and not others, so run a large verify when the ledger is
    quiet (the chain check in this process is unaffected).
    """
    path = store.sqlite_path(str(conn.engine.url))
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if path is None or workers < 2 or store.head(conn)[0] < PARALLEL_FROM_EVENTS:
        yield lambda: _media_pass(conn)
        return
    spans = _spans(conn, workers * SPANS_PER_WORKER)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        running = [pool.submit(_media_range, str(path), span) for span in spans]

        def collected() -> tuple[int, list[Problem]]:
            results = [future.result() for future in running]
            return sum(r[0] for r in results), [p for r in results for p in r[1]]

        yield collected


def _spans(conn: Connection, parts: int) -> list[_Range]:
    """Ranges of media IDs that cover every ID, about equal in size: cut at every n-th row of
    the projection (which the ranges then check: a wrong cut only makes them unequal)."""
    total = conn.exec_driver_sql("SELECT count(*) FROM media").scalar() or 0
    step = max(total // parts, 1)
    cuts = conn.exec_driver_sql(
        "SELECT media_id FROM (SELECT media_id, row_number() OVER (ORDER BY media_id) AS n "
        "FROM media) WHERE n % ? = 0",
        (step,),
    ).scalars()
    edges = [None, *sorted(set(cuts))[: parts - 1], None]
    return [_Range(low, high) for low, high in itertools.pairwise(edges)]


def _media_range(target: str, span: _Range) -> tuple[int, list[Problem]]:
    """One process's share: its range of media re-folded (a fresh read-only connection)."""
    engine = store.open_engine(target)
    try:
        with store.connect(engine) as conn:
            return _media_pass(conn, span)
    finally:
        engine.dispose()


def _media_pass(conn: Connection, span: _Range = _Range()) -> tuple[int, list[Problem]]:
    """Every medium in `span`: its events' hashes and times checked, re-folded, its projection
    row compared. Returns (media re-folded, problems)."""
    problems: list[Problem] = []
    stored_rows = _stored_media(conn, span)
    stored = next(stored_rows, None)
    media = 0
    for media_id, rows in _media_events(conn, span):
        while stored is not None and stored["media_id"] < media_id:
            problems += _row_problems(stored["media_id"], stored, None)  # a row with no events
            stored = next(stored_rows, None)
        mine = None
        if stored is not None and stored["media_id"] == media_id:
            mine, stored = stored, next(stored_rows, None)
        events, texts, found = _read_back(rows)
        problems += found
        if events is None:
            continue
        # The re-folded row's times are its events' times: their stored text is at hand.
        refolded = projected_row(media_id, events, texts)
        media += refolded is not None
        problems += _row_problems(media_id, mine, refolded)
    while stored is not None:
        problems += _row_problems(stored["media_id"], stored, None)
        stored = next(stored_rows, None)
    return media, problems


def rows_problems(
    conn: Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Problem]:
    """The media rows a report read (these columns), each re-folded from its events and
    compared: how the ones that differ differ. Reads the events of those media only (the
    chain's hashes are `verify`'s to check)."""
    position = list(columns).index("media_id")
    stored = {row[position]: dict(zip(columns, row, strict=True)) for row in rows}
    ids = sorted(stored)
    problems: list[Problem] = []
    for i in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[i : i + _IDS_PER_QUERY]
        events_of: dict[str, Sequence[Sequence[Any]]] = dict.fromkeys(chunk, ())
        for media_id, read in itertools.groupby(_events_of(conn, chunk), itemgetter(2)):
            events_of[media_id] = tuple(read)
        for media_id, media_rows in events_of.items():
            events, texts, found = _read_back(media_rows, hashes=False)
            problems += found
            if events is None:
                continue
            refolded = projected_row(media_id, events, texts)
            if refolded is not None:
                refolded = {c: refolded[c] for c in columns if c in refolded}
            problems += _row_problems(media_id, stored[media_id], refolded)
    return problems


_IDS_PER_QUERY = 500


def _events_of(conn: Connection, media_ids: Sequence[str]) -> Iterator[Sequence[Any]]:
    """The stored events of these media, medium by medium, each in recording order."""
    columns, order = _EVENT_COLUMNS, "ORDER BY media_id, seq"
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(media_ids))
        yield from _stream(
            conn, f"SELECT {columns} FROM events WHERE media_id IN ({marks}) {order}", media_ids
        )
        return
    query = sa.text(f"SELECT {columns} FROM events WHERE media_id IN :ids {order}")
    ids: Any = sa.bindparam("ids", expanding=True)
    yield from conn.execute(query.bindparams(ids), {"ids": list(media_ids)})


def rebuild_projection(conn: Connection) -> int:
    """Write every medium's projection row again from its events; returns how many.

    Inside the caller's write transaction: the events and the chain are not touched.
    """
    states = []
    for media_id, rows in _media_events(conn):
        events = [_event(r) for r in rows]
        if projected_row(media_id, events) is not None:
            states.append(fold(media_id, events))
    conn.execute(sa.delete(store.MEDIA))
    for i in range(0, len(states), _BATCH):
        store.save_media(conn, states[i : i + _BATCH], new=True)
    return len(states)


# -- the ledger's signing key and its checkpoints ---------------------------------------------

SIGNING_KEY_SETTING = "signing_public_key"
_SETTINGS = store.SETTINGS


class Checkpoint(NamedTuple):
    """A signed chain head: `DIGEST@COUNT`, when, by which key."""

    events: int
    digest: str
    signed_at: str
    public_key: str
    signature: str

    def __str__(self) -> str:
        return f"{self.digest}@{self.events}"


def signing_public_key(conn: Connection) -> str | None:
    """The public key this ledger signs with, as recorded by `custody key init`."""
    return conn.execute(
        sa.select(_SETTINGS.c.value).where(_SETTINGS.c.key == SIGNING_KEY_SETTING)
    ).scalar()


def record_signing_key(conn: Connection, public_key: str) -> None:
    """Record the public key this ledger's checkpoints are signed with (inside a write)."""
    conn.execute(sa.delete(_SETTINGS).where(_SETTINGS.c.key == SIGNING_KEY_SETTING))
    conn.execute(sa.insert(_SETTINGS).values(key=SIGNING_KEY_SETTING, value=public_key))


def checkpoint(
    conn: Connection,
    home: str,
    key: Ed25519PrivateKey,
    head: tuple[int, str] | None,
    now: datetime,
) -> Checkpoint:
    """Sign `head` (events, digest), or the chain head now, and keep it (inside a write)."""
    from ledger import signing

    public = signing.public_text(key.public_key())
    recorded = signing_public_key(conn)
    if recorded is not None and recorded != public:
        raise SigningKeyError("this key is not the one this ledger recorded at `custody key init`")
    signed_at = to_text(now)
    events, digest = head if head is not None else store.head(conn)
    message = signing.checkpoint_message(home, events, digest, signed_at)
    signed = Checkpoint(events, digest, signed_at, public, signing.sign(key, message))
    conn.execute(sa.insert(store.CHECKPOINTS).values(**signed._asdict()))
    if recorded is None:
        record_signing_key(conn, public)
    return signed
