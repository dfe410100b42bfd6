"""Storage: one SQLAlchemy engine per ledger, SQLite file or PostgreSQL URL.

Writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: the chain head
row locked FOR UPDATE) so the hash chain never forks; transactions stay short
so a station and an admin can share one SQLite file without "database is
locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ledger.clock import from_text, to_text
from ledger.errors import (
    LedgerNotFound,
    LedgerReadOnly,
    LedgerUnreachable,
    MalformedEvent,
    PermissionDenied,
    SchemaMismatch,
)
from ledger.events import (
    GENESIS,
    Event,
    canonical_parts,
    detail_text,
    event_hash,
    event_json,
)
from ledger.ids import next_media_id
from ledger.schema import (
    APPEND_ONLY_POSTGRESQL,
    APPEND_ONLY_SQLITE,
    SCHEMA_REVISION,
    ChainHead,
    Checkpoint,
    EventRow,
    MediaRow,
    Organisation,
    SerialCounter,
    Setting,
)
from ledger.transitions import MediaState

EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
MEDIA: sa.Table = MediaRow.__table__  # type: ignore[attr-defined]
HEAD: sa.Table = ChainHead.__table__  # type: ignore[attr-defined]
CHECKPOINTS: sa.Table = Checkpoint.__table__  # type: ignore[attr-defined]
BUSY_TIMEOUT_MS = 15000


def database_url(target: str) -> str:
    """An SQLAlchemy URL for a file path or URL."""
    if "://" in target:
        # psycopg (3) is the PostgreSQL driver we ship; SQLAlchemy's default would be psycopg2.
        for plain in ("postgresql://", "postgres://"):
            if target.startswith(plain):
                return "postgresql+psycopg://" + target[len(plain) :]
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(target: str, *, create: bool = False) -> Engine:
    """An engine for the ledger at `target`; with `create`, a new SQLite file is made 0600."""
    url = database_url(target)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            if not create:
                raise LedgerNotFound(f"no ledger at {path}: run `custody init` first")
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        if create or not _read_only(path):
            engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _tune_sqlite(engine)
            return engine
        return _read_only_engine(url, path)
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise LedgerUnreachable(f"cannot use database URL {url!r}: {exc}") from None


def _read_only(path: Path) -> bool:
    """True when this account cannot write the SQLite file, or the folder that holds it.

    SQLite keeps its write-ahead log beside the file, so a ledger in a folder we cannot write
    (a read-only share, an archive) cannot take a write either.
    """
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def _read_only_engine(url: str, path: Path) -> Engine:
    """An engine that only reads: SQLite opened `mode=ro`, never asked to write.

    In a folder we cannot write, SQLite cannot make the shared-memory file a WAL reader
    needs, so unless it is there already the file is opened `immutable` (read as it stands).
    """
    uri = f"{path.as_uri()}?mode=ro"
    shared = path.with_name(path.name + "-shm")
    if not os.access(path.parent, os.W_OK) and not shared.exists():
        uri += "&immutable=1"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )

    engine = sa.create_engine(url, creator=connect)
    _tune_sqlite(engine, read_only=True)
    engine.update_execution_options(custody_read_only=str(path))
    return engine


def read_only(engine: Engine) -> str | None:
    """The file of a ledger opened read-only, or None if it can be written."""
    value = engine.get_execution_options().get("custody_read_only")
    return str(value) if value else None


def read_only_error(where: str) -> LedgerReadOnly:
    """What a write to a read-only ledger raises, naming it."""
    return LedgerReadOnly(
        f"the ledger {where} is read-only (this account cannot write it or its folder): "
        "nothing was recorded"
    )


def _tune_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    """WAL and a busy timeout; we issue BEGIN ourselves so writers can take the lock up front."""

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not read_only:  # a reader takes the file as it is
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("custody_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    """True for an SQLite ledger."""
    return engine.dialect.name == "sqlite"


@contextmanager
def connect(
    engine: Engine,
    *,
    write: bool = False,
    held: Connection | None = None,
    lock_head: bool = True,
) -> Iterator[Connection]:
    """One short transaction; a write transaction holds the writer lock from its start.

    `held` is a connection kept open across many transactions (a scanning run).
    `lock_head=False` (PostgreSQL): the caller writes with `append_unless_changed`,
    which takes the chain head lock itself, only for the write.
    """
    if write and (where := read_only(engine)):
        raise read_only_error(where)
    if held is not None:
        with _transaction(held, write, lock_head):
            yield held
        return
    try:
        conn = engine.connect()
    except sa.exc.OperationalError as exc:
        raise LedgerUnreachable(f"cannot reach the ledger: {_first_line(exc)}") from None
    with conn, _transaction(conn, write, lock_head):
        yield conn


@contextmanager
def _transaction(conn: Connection, write: bool, lock_head: bool = True) -> Iterator[None]:
    conn.execution_options(custody_write=write)
    try:
        with conn.begin():
            if write and lock_head and conn.dialect.name != "sqlite":
                conn.execute(_LOCK_HEAD)
            yield
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            raise read_only_error(str(conn.engine.url.database)) from None
        raise LedgerUnreachable(f"cannot reach the ledger: {_first_line(exc)}") from None
    except Exception as exc:
        # The PostgreSQL scan path talks to the driver directly, so its errors arrive unwrapped.
        sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None)
        if sqlstate == "25006":  # a read-only transaction: a standby, or a read-only account
            raise read_only_error(conn.engine.url.render_as_string()) from None
        if sqlstate == "42501":
            raise PermissionDenied(
                f"the database refused: {_first_line(exc)} (this account may not do that)"
            ) from None
        if sqlstate is not None and sqlstate[:2] in ("08", "57"):
            raise LedgerUnreachable(f"cannot reach the ledger: {_first_line(exc)}") from None
        raise


def _first_line(exc: BaseException) -> str:
    """The database driver's message, first line only, without SQLAlchemy's addenda."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def create_schema(engine: Engine) -> None:
    """Create every table, the append-only triggers and the chain head; stamp the revision.

    A new ledger is made from the models and stamped at the newest migration
    (alembic's recipe for a fresh database); tests check that the migrations
    build the same schema, so existing ledgers upgrade to exactly this.
    """
    from ledger import migrate  # alembic is only needed here, not on the scan path

    SQLModel.metadata.create_all(engine)
    with connect(engine, write=True) as conn:
        for ddl in APPEND_ONLY_SQLITE if is_sqlite(engine) else APPEND_ONLY_POSTGRESQL:
            conn.exec_driver_sql(ddl)
        if conn.execute(sa.select(HEAD.c.id)).first() is None:
            conn.execute(sa.insert(HEAD).values(id=1, seq=0, count=0, hash=GENESIS))
        migrate.stamp_head(conn)


def check_schema(conn: Connection) -> None:
    """SchemaMismatch unless the ledger is at the schema revision this code was written for."""
    current = None
    if sa.inspect(conn).has_table("alembic_version"):
        current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    if current != SCHEMA_REVISION:
        shown = current or "0001 (made before migrations)"
        raise SchemaMismatch(
            f"the ledger's schema is at revision {shown}; this custody needs "
            f"{SCHEMA_REVISION}: run `custody db upgrade`"
        )


def head(conn: Connection) -> tuple[int, str]:
    """The number of events and the head digest."""
    count, digest = _run(conn, _READ_HEAD, {}).fetchone()
    return int(count), str(digest)


_LAST_RECORDED = (
    sa.select(EVENTS.c.seq, EVENTS.c.hash)
    .where(EVENTS.c.recorded_at <= sa.bindparam("until"))
    .order_by(EVENTS.c.seq.desc())
    .limit(1)
)
_COUNT_AFTER = (
    sa.select(sa.func.count()).select_from(EVENTS).where(EVENTS.c.seq > sa.bindparam("seq"))
)


def head_at(conn: Connection, moment: datetime) -> tuple[int, str]:
    """Events recorded at or before `moment`, and the hash of the last of them."""
    last = _run(conn, _LAST_RECORDED, {"until": to_text(moment)}).fetchone()
    if last is None:
        return 0, GENESIS
    seq, digest = last
    # The chain head keeps the total; counting what came after is quicker for a recent T.
    total, _ = head(conn)
    (after,) = _run(conn, _COUNT_AFTER, {"seq": seq}).fetchone()
    return total - int(after), str(digest)


def event_row(event: Event, prev_hash: str) -> dict[str, Any]:
    """The stored form of an event chained after `prev_hash`."""
    detail = detail_text(event.detail)
    return {
        **event_json(event),
        "detail": detail,
        "prev_hash": prev_hash,
        "hash": event_hash(event, prev_hash, detail),
    }


# Statements built once: building SQLAlchemy constructs per scan costs more than running them.
_INSERT_EVENTS = sa.insert(EVENTS)
_LOCK_HEAD = sa.select(HEAD.c.seq).where(HEAD.c.id == 1).with_for_update()
_MAX_SEQ = sa.select(sa.func.max(EVENTS.c.seq))
_READ_HEAD = sa.select(HEAD.c.count, HEAD.c.hash).where(HEAD.c.id == 1)
_MOVE_HEAD = (
    sa.update(HEAD)
    .where(HEAD.c.id == 1)
    .values(seq=sa.bindparam("h_seq"), count=sa.bindparam("h_count"), hash=sa.bindparam("h_hash"))
)
_MEDIA_EVENTS = (
    sa.select(EVENTS).where(EVENTS.c.media_id == sa.bindparam("m")).order_by(EVENTS.c.seq)
)
# Every column but seq, named: PostgreSQL numbers seq only when the column is left out.
_INSERT_EVENT = (
    sa.insert(EVENTS)
    .values({c.name: sa.bindparam(c.name) for c in EVENTS.columns if c.name != "seq"})
    .returning(EVENTS.c.seq)
)
_INSERT_MEDIA = sa.insert(MEDIA)
# Compile the bulk inserts for every column, whatever the first row holds.
_INSERT_MEDIA._custody_keys = [c.name for c in MEDIA.columns]  # type: ignore[attr-defined]
_INSERT_EVENTS._custody_keys = [c.name for c in EVENTS.columns if c.name != "seq"]  # type: ignore[attr-defined]
_UPDATE_MEDIA = (
    sa.update(MEDIA)
    .where(MEDIA.c.media_id == sa.bindparam("v_media_id"))
    .values({c.name: sa.bindparam(f"v_{c.name}") for c in MEDIA.columns if c.name != "media_id"})
)
_PG_IDLE = 0  # libpq's PQTRANS_IDLE: no transaction open on the connection
_SQL: dict[tuple[int, str], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}


def _compiled(conn: Connection, stmt: Any) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """A statement's SQL for this connection's dialect, compiled once."""
    key = (id(stmt), conn.dialect.name)
    entry = _SQL.get(key)
    if entry is None:
        compiled = stmt.compile(
            dialect=conn.dialect, column_keys=getattr(stmt, "_custody_keys", None)
        )
        order = tuple(compiled.positiontup) if compiled.positional else None
        entry = _SQL[key] = (str(compiled), order, dict(compiled.params))
    return entry


def _run_many(conn: Connection, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk form of `_run`: one executemany on the driver cursor."""
    sql, order, _literals = _compiled(conn, stmt)
    cursor = conn.connection.cursor()
    if order is not None:
        # itemgetter builds each row's tuple in C; a comprehension cost as much as the insert.
        cursor.executemany(sql, list(map(itemgetter(*order), rows)))
    else:
        cursor.executemany(sql, rows)


def _run(conn: Connection, stmt: Any, params: dict[str, Any]) -> Any:
    """Run a prebuilt statement on the driver's cursor.

    The scan path runs five statements per scan; SQLAlchemy's per-execution
    bookkeeping cost more than the database work, so these are compiled once
    per dialect and sent straight to the DBAPI cursor, in the same transaction.
    """
    sql, order, literals = _compiled(conn, stmt)
    values = {**literals, **params}
    cursor = conn.connection.cursor()
    args = [values[k] for k in order] if order is not None else values
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and driver.pgconn.transaction_status == _PG_IDLE:
        # First statement of a transaction: send psycopg's BEGIN with it, one round trip.
        with driver.pipeline():
            cursor.execute(sql, args)
    else:
        cursor.execute(sql, args)
    return cursor


def append(conn: Connection, events: Sequence[Event]) -> int:
    """Chain and insert events, inside a write transaction; moves the chain head.

    Returns the seq of the last event inserted.
    """
    if not events:
        return 0
    count, prev = head(conn)
    rows = []
    for e in events:
        row = event_row(e, prev)
        rows.append(row)
        prev = row["hash"]
    if len(rows) == 1:
        last_seq = _run(conn, _INSERT_EVENT, rows[0]).fetchone()[0]
    else:
        _run_many(conn, _INSERT_EVENTS, rows)
        last_seq = conn.execute(_MAX_SEQ).scalar_one()
    _run(conn, _MOVE_HEAD, {"h_seq": last_seq, "h_count": count + len(rows), "h_hash": prev})
    return int(last_seq)


def append_unless_changed(
    conn: Connection, event: Event, before: Sequence[Event], state: MediaState
) -> int | None:
    """Append one event and save its medium's new state, unless the medium changed meanwhile.

    `before` are the medium's events as the caller read them; if another writer
    has added one since, nothing is written and None comes back (read again and
    retry). Returns the new event's seq.
    """
    if conn.dialect.name == "sqlite":
        # BEGIN IMMEDIATE took the write lock before `before` was read: nothing can have changed.
        seq = append(conn, [event])
        save_media(conn, [state], new=not before)
        return seq
    return _append_unless_changed_pg(conn, event, before, state)


def _append_unless_changed_pg(
    conn: Connection, event: Event, before: Sequence[Event], state: MediaState
) -> int | None:
    """PostgreSQL: lock the head, chain, insert and commit in one round trip; then make it durable.

    The head lock is held only while the server runs these statements, never
    while the client computes or the disk flushes: the chaining transaction
    commits without waiting for the WAL flush, and the scan is acknowledged
    only after a second, tiny transaction commits durably. Its commit record
    comes later in the WAL, so flushing it flushes ours; the stations' flushes
    then share fsyncs (group commit). A crash before that flush loses only
    unacknowledged events, and only from the end of the chain, which stays whole.
    The event's hash is computed by the server from the canonical text around
    the head digest (see ledger.events.canonical_parts).
    """
    pre, post = canonical_parts(event)
    params: dict[str, Any] = {
        **event_json(event),
        "detail": detail_text(event.detail),
        "pre": pre,
        "post": post,
        "media": event.media_id,
    }
    params["last_seq"] = max((e.seq or 0 for e in before), default=0)
    params.update({f"m_{k}": v for k, v in media_row(state).items()})
    driver: Any = conn.connection.driver_connection
    # All sent at once: COMMIT ends the chaining transaction (releasing the head lock);
    # the SELECT then runs in the pipeline's implicit transaction, committed durably at its end.
    with driver.pipeline():
        driver.execute(_PG_LOCK_HEAD_NO_FLUSH_WAIT)
        cursor = driver.execute(_pg_write_sql(), params)
        driver.execute("COMMIT")
        driver.execute("SELECT pg_current_xact_id()")
    row = cursor.fetchone()
    return None if row is None else int(row[0])


# Locks the chain head and, for this transaction only, commits without waiting for the flush.
_PG_LOCK_HEAD_NO_FLUSH_WAIT = (
    "SELECT seq, set_config('synchronous_commit', 'off', true) "
    "FROM chain_head WHERE id = 1 FOR UPDATE"
)


@cache
def _pg_write_sql() -> str:
    """The guarded insert of one event, its chain link and its medium's row, as one statement."""
    event_cols = [c.name for c in EVENTS.columns if c.name not in ("seq", "prev_hash", "hash")]
    media_cols = [c.name for c in MEDIA.columns]
    sql = f"""
WITH e AS (
  INSERT INTO events ({", ".join(event_cols)}, prev_hash, hash)
  SELECT {", ".join(f"%({c})s" for c in event_cols)}, h.hash,
         encode(sha256(convert_to(%(pre)s || h.hash || %(post)s, 'UTF8')), 'hex')
  FROM chain_head h
  WHERE h.id = 1
    AND (SELECT coalesce(max(seq), 0) FROM events WHERE media_id = %(media)s) = %(last_seq)s
  RETURNING seq, hash
), m AS (
  INSERT INTO media ({", ".join(media_cols)})
  SELECT {", ".join(f"%(m_{c})s" for c in media_cols)} FROM e
  ON CONFLICT (media_id) DO UPDATE SET
  {", ".join(f"{c} = EXCLUDED.{c}" for c in media_cols if c != "media_id")}
)
UPDATE chain_head SET seq = e.seq, count = chain_head.count + 1, hash = e.hash
FROM e WHERE chain_head.id = 1
RETURNING e.seq"""
    return sql


class _Row(dict[str, Any]):
    """A driver row by column name, read like an SQLAlchemy row."""

    __getattr__ = dict.__getitem__


def to_event(row: Any) -> Event:
    """An event read back from the database; MalformedEvent names one with a malformed time."""
    try:
        at, recorded_at = from_text(row.at), from_text(row.recorded_at)
    except ValueError as exc:
        raise MalformedEvent(
            f"event #{row.seq} ({row.event_id}) of {row.media_id} cannot be read: {exc}"
        ) from None
    return Event(
        event_id=row.event_id,
        media_id=row.media_id,
        action=row.action,
        at=at,
        recorded_at=recorded_at,
        site=row.site,
        operator=row.operator,
        detail=json.loads(row.detail),
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def media_events(conn: Connection, media_id: str) -> list[Event]:
    """Every event of one medium, in recorded order."""
    cursor = _run(conn, _MEDIA_EVENTS, {"m": media_id})
    names = [d[0] for d in cursor.description]
    return [to_event(_Row(zip(names, r, strict=True))) for r in cursor.fetchall()]


def known_event_ids(conn: Connection, event_ids: Sequence[str]) -> set[str]:
    """Which of these event IDs are recorded already (replaying an event records it once)."""
    found: set[str] = set()
    for i in range(0, len(event_ids), 500):
        chunk = list(event_ids[i : i + 500])
        rows = conn.execute(sa.select(EVENTS.c.event_id).where(EVENTS.c.event_id.in_(chunk)))
        found.update(r.event_id for r in rows)
    return found


# Fields that hold tuples stay out of the projection; `show` folds them from the events.
_NOT_PROJECTED = {"anomalies", "studies", "received_studies"}
_STATE_FIELDS = [name for name in MediaState._fields if name not in _NOT_PROJECTED]
# MediaState is a NamedTuple: pick the projected fields by position, in C.
_STATE_VALUES = itemgetter(*(MediaState._fields.index(name) for name in _STATE_FIELDS))


# Every `*_at` field of MediaState is a datetime, stored as text.
_TIME_FIELDS = [i for i, name in enumerate(_STATE_FIELDS) if name.endswith("_at")]
_NO_TEXTS: Mapping[datetime, str] = {}


def media_row(state: MediaState, texts: Mapping[datetime, str] | None = None) -> dict[str, Any]:
    """The projection row for a medium's state.

    `texts`: the stored text of times already known (`verify` passes its events' own, and so
    writes no time as text again).
    """
    texts = texts or _NO_TEXTS
    values = list(_STATE_VALUES(state))
    for i in _TIME_FIELDS:
        if values[i] is not None:
            values[i] = texts.get(values[i]) or to_text(values[i])
    row = dict(zip(_STATE_FIELDS, values, strict=True))
    row["status"] = str(state.status) if state.status else "unknown"
    row["anomalies"] = len(state.anomalies)
    first = state.anomalies[0] if state.anomalies else None
    row["first_anomaly_at"] = (texts.get(first.at) or to_text(first.at)) if first else None
    row["first_anomaly"] = first.text if first else None
    return row


def save_media(conn: Connection, states: Sequence[MediaState], *, new: bool) -> None:
    """Write the projection rows of these media (insert new ones, or update known ones)."""
    rows = [media_row(s) for s in states]
    if new:
        _run_many(conn, _INSERT_MEDIA, rows)
    else:
        for r in rows:
            _run(conn, _UPDATE_MEDIA, {f"v_{k}": v for k, v in r.items()})


# -- organisations and serials ---------------------------------------------------------

ORGS: sa.Table = Organisation.__table__  # type: ignore[attr-defined]
SETTINGS: sa.Table = Setting.__table__  # type: ignore[attr-defined]
SERIALS: sa.Table = SerialCounter.__table__  # type: ignore[attr-defined]


def organisations(conn: Connection) -> list[Any]:
    """Every organisation's row, home first."""
    return list(conn.execute(sa.select(ORGS).order_by(ORGS.c.home.desc(), ORGS.c.code)))


def organisation(conn: Connection, code: str) -> Any:
    """One organisation's row, or None."""
    return conn.execute(sa.select(ORGS).where(ORGS.c.code == code)).first()


def home_organisation(conn: Connection) -> Any:
    """The home organisation's row; None if this database is not a ledger (yet)."""
    try:
        # Only the columns of every schema: `db upgrade` reads the home first.
        columns = (ORGS.c.code, ORGS.c.name, ORGS.c.address, ORGS.c.home)
        return conn.execute(sa.select(*columns).where(ORGS.c.home == sa.true())).first()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        return None


def home_code(conn: Connection) -> str | None:
    """The home organisation recorded in the settings, if this database is a ledger."""
    if not sa.inspect(conn).has_table("settings"):
        return None
    return conn.execute(sa.select(SETTINGS.c.value).where(SETTINGS.c.key == "home")).scalar()


def update_organisation(conn: Connection, code: str, values: dict[str, Any]) -> None:
    """Change an organisation's columns."""
    conn.execute(sa.update(ORGS).where(ORGS.c.code == code).values(**values))


def add_organisation(
    conn: Connection, code: str, name: str, address: str | None, *, home: bool
) -> None:
    """Insert an organisation (the home one also into the settings)."""
    conn.execute(sa.insert(ORGS).values(code=code, name=name, address=address, home=home))
    if home:
        conn.execute(sa.insert(SETTINGS).values(key="home", value=code))


def issue_media_ids(conn: Connection, issuer: str, count: int) -> list[str]:
    """The next `count` media IDs of `issuer` (skipping unusable serials); moves its counter."""
    last = conn.execute(
        sa.select(SERIALS.c.last).where(SERIALS.c.issuer == issuer)
    ).scalar_one_or_none()
    serial = last or 0
    ids = []
    for _ in range(count):
        media_id, serial = next_media_id(issuer, serial)
        ids.append(media_id)
    if last is None:
        conn.execute(sa.insert(SERIALS).values(issuer=issuer, last=serial))
    else:
        conn.execute(sa.update(SERIALS).where(SERIALS.c.issuer == issuer).values(last=serial))
    return ids


def event_by_id(conn: Connection, event_id: str) -> Event | None:
    """One event by its ID, or None."""
    row = conn.execute(sa.select(EVENTS).where(EVENTS.c.event_id == event_id)).first()
    return None if row is None else to_event(row)
