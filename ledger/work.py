"""The unit of work: one transaction on a ledger, with the time check and the home organisation.

Every job (organisations, registration, scanning, events on a medium, manifests) runs inside a
`Work` its caller opened with `OpenLedger.unit()`, and records through `ledger.recording`; no
job opens a transaction of its own beside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger import store
from ledger.clock import check_time, parse_time, utcnow
from ledger.errors import LedgerExists, LedgerNotFound, LedgerUnreachable, UnknownMedia
from ledger.events import Event
from ledger.ids import check_ods
from ledger.text import OPERATOR_MAX, checked_text, organisation_texts

DUPLICATE_WINDOW = timedelta(seconds=10)


class Org(NamedTuple):
    """An organisation in this ledger."""

    code: str
    name: str
    address: str | None
    home: bool
    email: str | None = None  # its custody mailbox, for reminders of overdue receipts
    public_key: str | None = None  # a partner's: its manifests and receipts must be signed


@dataclass(frozen=True, slots=True)
class Work:
    """One transaction on the ledger: its connection, clock and home organisation."""

    conn: sa.Connection
    home: Org
    clock: Callable[[], datetime]
    duplicate_window: timedelta = DUPLICATE_WINDOW

    def now(self) -> datetime:
        """The ledger's clock."""
        return self.clock()

    def check_at(self, at: datetime | None) -> datetime:
        """A given time, refused before 2000 or in the future; None is now."""
        now = self.clock()
        # A time with no zone is UK local, as when typed.
        return now if at is None else check_time(at, now)

    def event(
        self,
        media_id: str,
        action: str,
        at: datetime,
        operator: str,
        detail: dict[str, Any],
        *,
        site: str | None = None,
        event_id: str | None = None,
    ) -> Event:
        """A new event, recorded now, at the home organisation unless `site` says otherwise."""
        return Event(
            event_id=event_id or str(uuid.uuid4()),
            media_id=media_id,
            action=action,
            at=at,
            recorded_at=self.clock(),
            site=site or self.home.code,
            operator=checked_text(operator, "operator", OPERATOR_MAX),
            detail=detail,
        )

    def events_of(self, media_id: str) -> list[Event]:
        """A medium's events in recording order; UnknownMedia if it has none."""
        events = store.media_events(self.conn, media_id)
        if not events:
            raise UnknownMedia(f"{media_id}: unknown medium (not registered in this ledger)")
        return events


@contextmanager
def within(target: Work | OpenLedger, *, write: bool = True) -> Iterator[Work]:
    """The caller's unit of work, or a new one on a ledger (so callers may pass either)."""
    if isinstance(target, Work):
        yield target
        return
    with target.unit(write=write) as work:
        yield work


class OpenLedger:
    """A ledger opened by path or URL: where it is, its clock, and the units of work on it."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        duplicate_window: timedelta = DUPLICATE_WINDOW,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.duplicate_window = duplicate_window
        self._home: Org | None = None
        self._held: sa.Connection | None = None

    @classmethod
    def create(
        cls, target: str, code: str, name: str, *, address: str | None = None, **kwargs: Any
    ) -> Self:
        """Create a new ledger with its home organisation; refuses an existing one."""
        code = check_ods(code)
        name, address = organisation_texts(name, address)
        engine = store.open_engine(target, create=True)
        with store.connect(engine) as conn:
            if store.home_code(conn) is not None:
                raise LedgerExists(f"a ledger already exists at {target}; nothing changed")
        store.create_schema(engine)
        with store.connect(engine, write=True) as conn:
            store.add_organisation(conn, code, name, address or None, home=True)
        return cls(engine, **kwargs)

    @classmethod
    def open(cls, target: str, **kwargs: Any) -> Self:
        """Open an existing ledger."""
        ledger = cls(store.open_engine(target), **kwargs)
        ledger.home  # noqa: B018 - fail now, clearly, if this is not a ledger
        with ledger.reading() as conn:
            store.check_schema(conn)
        return ledger

    def check_writable(self) -> None:
        """LedgerReadOnly, before any work, if this account can only read the ledger."""
        where = store.read_only(self.engine)
        if where:
            raise store.read_only_error(where)

    @contextmanager
    def session(self) -> Iterator[Self]:
        """Keep one connection open for a run of scans (each still its own unit of work)."""
        if self._held is not None:
            yield self
            return
        try:
            conn = self.engine.connect()
        except sa.exc.OperationalError as exc:
            raise LedgerUnreachable(f"cannot reach the ledger: {exc.orig}") from None
        self._held = conn
        try:
            with conn:
                yield self
        finally:
            self._held = None

    @contextmanager
    def unit(self, *, write: bool = True, lock_head: bool = True) -> Iterator[Work]:
        """A unit of work: one transaction, committed at the end, rolled back on any error.

        A write unit holds the writer lock from its start (SQLite BEGIN IMMEDIATE, the
        PostgreSQL chain head row), so the chain never forks. `lock_head=False` is for the
        PostgreSQL scan path, which locks the head only while it writes.
        """
        home = self.home
        with store.connect(self.engine, write=write, held=self._held, lock_head=lock_head) as conn:
            yield Work(conn, home, self.clock, self.duplicate_window)

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """One read-only transaction's connection, for the query functions."""
        with store.connect(self.engine, held=self._held) as conn:
            yield conn

    @property
    def home(self) -> Org:
        """The organisation this ledger belongs to (read once)."""
        if self._home is None:
            with store.connect(self.engine, held=self._held) as conn:
                row = store.home_organisation(conn)
            if row is None:
                raise LedgerNotFound("this database is not a custody ledger: run `custody init`")
            self._home = Org(row.code, row.name, row.address, row.home)
        return self._home

    def when(self, text: str | None) -> datetime:
        """When something happened: a typed ISO 8601 time (2000 to now), or now if None."""
        now = self.clock()
        return now if text is None else parse_time(text, now)
