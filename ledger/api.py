"""The ledger's public API: every CLI command is a thin wrapper over one call here."""

from __future__ import annotations

import csv
import gc
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger import store
from ledger.clock import check_time, london, out_of_range, parse_time, to_text, utcnow
from ledger.errors import (
    BulkRejected,
    CustodyError,
    DuplicateOrganisation,
    IntegrityError,
    InvalidMediaId,
    InvalidTime,
    InvalidValue,
    LedgerBusy,
    LedgerExists,
    LedgerNotFound,
    LedgerUnreachable,
    NoAcknowledgement,
    NotCorrectable,
    NotDispatched,
    UnknownEvent,
    UnknownMedia,
    UnknownOrganisation,
)
from ledger.events import GENESIS, SCAN_ACTIONS, Action, Event, event_hash, new_event_ids
from ledger.handover import (
    HandoverFacts,
    acknowledgement_detail,
    acknowledgement_problem,
    handover_facts,
)
from ledger.ids import TrackingRef, check_ods, next_media_id, parse_media_id, parse_tracking
from ledger.reasons import INCIDENT_REASONS, TRANSFER_ROUTES
from ledger.rules import (
    EXCEPTIONS,
    PASSWORD_ROUTES,
    Context,
    Registration,
    destination_known,
    registration_problems,
    study_identifiers_wellformed,
)
from ledger.schema import Organisation, SerialCounter, Setting
from ledger.studies import StudyCount, studies_detail
from ledger.text import NAME_MAX, NOTE_MAX, OPERATOR_MAX, checked_text, text_problem
from ledger.transitions import (
    MediaState,
    duplicate_of,
    fold,
    registered_state,
    voided_ids,
)

ORGS: sa.Table = Organisation.__table__  # type: ignore[attr-defined]
SETTINGS: sa.Table = Setting.__table__  # type: ignore[attr-defined]
SERIALS: sa.Table = SerialCounter.__table__  # type: ignore[attr-defined]
DUPLICATE_WINDOW = timedelta(seconds=10)
SCAN_ATTEMPTS = 50
CSV_COLUMNS = (
    "nhs_number",
    "destination",
    "accession",
    "study_uid",
    "kind",
    "urgent",
    "encrypted",
    "exception",
    "approved_by",
    "exception_reason",
)
# A header longer than this is not a registration file (checked before anything else).
MAX_CSV_COLUMNS = 100
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


class Org(NamedTuple):
    """An organisation in this ledger."""

    code: str
    name: str
    address: str | None
    home: bool
    email: str | None = None  # its custody mailbox, for reminders of overdue receipts


class ScanResult(NamedTuple):
    """What became of one scanned code."""

    code: str
    outcome: Literal["recorded", "duplicate", "refused"]
    media_id: str | None = None
    status: str | None = None
    reason: str | None = None
    anomaly: str | None = None
    event_id: str | None = None
    state: MediaState | None = None


class TrackingResult(NamedTuple):
    """A tracking reference attached: the events recorded, and media that carried it already."""

    ref: TrackingRef
    recorded: list[Event]
    already: list[str]


class ChainReport(NamedTuple):
    """A verified ledger: how many events, and the digest of the last."""

    events: int
    head: str


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """A medium with its whole history, for `custody show`."""

    state: MediaState
    events: list[Event]

    @property
    def voided(self) -> set[str]:
        """The events that a standing correction voids (corrections included)."""
        return voided_ids(self.events)


def _flag(value: str, column: str, default: bool) -> bool:
    """A yes/no CSV cell."""
    v = value.strip().lower()
    if not v:
        return default
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InvalidValue(f"{column} {value!r} is not yes/no")


class Ledger:
    """A custody ledger: register media, record scans, derive status, verify the chain."""

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

    @contextmanager
    def session(self) -> Iterator[Ledger]:
        """Keep one connection open for a run of scans (each still its own transaction)."""
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

    def _tx(
        self, *, write: bool = False, lock_head: bool = True
    ) -> AbstractContextManager[sa.Connection]:
        """One short transaction, on the held connection if there is one."""
        return store.connect(self.engine, write=write, held=self._held, lock_head=lock_head)

    # -- opening -----------------------------------------------------------------

    @classmethod
    def create(
        cls, target: str, code: str, name: str, *, address: str | None = None, **kwargs: Any
    ) -> Ledger:
        """Create a new ledger with its home organisation; refuses an existing one."""
        code = check_ods(code)
        name, address = _org_texts(name, address)
        engine = store.open_engine(target, create=True)
        with store.connect(engine) as conn:
            if (
                sa.inspect(conn).has_table("settings")
                and conn.execute(
                    sa.select(SETTINGS.c.value).where(SETTINGS.c.key == "home")
                ).first()
            ):
                raise LedgerExists(f"a ledger already exists at {target}; nothing changed")
        store.create_schema(engine)
        with store.connect(engine, write=True) as conn:
            conn.execute(
                sa.insert(ORGS).values(code=code, name=name, address=address or None, home=True)
            )
            conn.execute(sa.insert(SETTINGS).values(key="home", value=code))
        return cls(engine, **kwargs)

    @classmethod
    def open(cls, target: str, **kwargs: Any) -> Ledger:
        """Open an existing ledger."""
        ledger = cls(store.open_engine(target), **kwargs)
        ledger.home  # noqa: B018 - fail now, clearly, if this is not a ledger
        with ledger._tx() as conn:
            store.check_schema(conn)
        return ledger

    def check_writable(self) -> None:
        """LedgerReadOnly, before any work, if this account can only read the ledger."""
        where = store.read_only(self.engine)
        if where:
            raise store.read_only_error(where)

    @property
    def home(self) -> Org:
        """The organisation this ledger belongs to."""
        if self._home is None:
            with self._tx() as conn:
                try:
                    # Only the columns of every schema: `db upgrade` reads the home first.
                    row = conn.execute(
                        sa.select(ORGS.c.code, ORGS.c.name, ORGS.c.address, ORGS.c.home).where(
                            ORGS.c.home == sa.true()
                        )
                    ).first()
                except sa.exc.OperationalError:
                    row = None
                except sa.exc.ProgrammingError:
                    row = None
            if row is None:
                raise LedgerNotFound("this database is not a custody ledger: run `custody init`")
            self._home = Org(row.code, row.name, row.address, row.home)
        return self._home

    # -- organisations --------------------------------------------------------------

    def add_org(self, code: str, name: str, address: str | None = None) -> Org:
        """Add a partner organisation (destination or sender)."""
        code = check_ods(code)
        if not name.strip():
            raise InvalidValue("an organisation needs a name")
        name, address = _org_texts(name, address)
        with self._tx(write=True) as conn:
            if conn.execute(sa.select(ORGS.c.code).where(ORGS.c.code == code)).first():
                raise DuplicateOrganisation(f"organisation {code} is already in the ledger")
            conn.execute(sa.insert(ORGS).values(code=code, name=name, address=address, home=False))
        return Org(code, name, address, False)

    def edit_org(
        self,
        code: str,
        *,
        name: str | None = None,
        address: str | None = None,
        email: str | None = None,
    ) -> Org:
        """Change an organisation's name, address or custody mailbox ("" clears address/email)."""
        from ledger.accounts import check_email

        org = self.org(code)
        values: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise InvalidValue("an organisation needs a name")
            values["name"] = _org_texts(name, None)[0]
        if address is not None:
            values["address"] = _org_texts(org.name, address.strip() or None)[1]
        if email is not None:
            values["email"] = check_email(email)
        if not values:
            raise InvalidValue("nothing to change: give --name, --address or --email")
        with self._tx(write=True) as conn:
            conn.execute(sa.update(ORGS).where(ORGS.c.code == org.code).values(**values))
        if org.home:
            self._home = None
        return self.org(org.code)

    def organisations(self) -> list[Org]:
        """Every organisation, home first."""
        with self._tx() as conn:
            rows = conn.execute(sa.select(ORGS).order_by(ORGS.c.home.desc(), ORGS.c.code))
            return [Org(r.code, r.name, r.address, r.home, r.email) for r in rows]

    def org(self, code: str) -> Org:
        """One organisation by ODS code, or UnknownOrganisation."""
        code = check_ods(code)
        for org in self.organisations():
            if org.code == code:
                return org
        raise UnknownOrganisation(f"unknown organisation {code!r} (add it with `custody org add`)")

    # -- times ------------------------------------------------------------------------

    def when(self, text: str | None) -> datetime:
        """When something happened: a typed ISO 8601 time (2000 to now), or now if None."""
        now = self.clock()
        return now if text is None else parse_time(text, now)

    def _check_at(self, at: datetime | None) -> datetime:
        """A given time, refused before 2000 or in the future; None is now."""
        now = self.clock()
        # A time with no zone is UK local, as when typed.
        return now if at is None else check_time(at, now)

    # -- registration ---------------------------------------------------------------

    def _context(self, *, require_exception: bool = True) -> Context:
        codes = frozenset(o.code for o in self.organisations())
        return Context(codes, self.home.code, require_exception)

    def register(
        self, reg: Registration, *, operator: str, at: datetime | None = None
    ) -> MediaState:
        """Register one medium; returns its state with the new media ID."""
        problems = registration_problems(_normalised(reg), self._context())
        if problems:
            raise InvalidValue("; ".join(problems))
        return self._register([_normalised(reg)], operator=operator, at=self._check_at(at))[0]

    def register_many(
        self,
        regs: Sequence[Registration],
        *,
        operator: str,
        at: datetime | None = None,
        lines: Sequence[int] | None = None,
        earlier_problems: Sequence[tuple[int, str]] = (),
    ) -> list[MediaState]:
        """Register a batch, all or nothing: any bad row rejects the lot, every row listed.

        `lines` numbers the rows for messages (a CSV file's line numbers); `earlier_problems`
        are (line, reason) for rows that could not even be read.
        """
        with _bulk():
            normal = [_normalised(r) for r in regs]
            return self._register_normalised(
                normal, operator=operator, at=at, lines=lines, earlier_problems=earlier_problems
            )

    def _register_normalised(
        self,
        normal: Sequence[Registration],
        *,
        operator: str,
        at: datetime | None = None,
        lines: Sequence[int] | None = None,
        earlier_problems: Sequence[tuple[int, str]] = (),
    ) -> list[MediaState]:
        """`register_many` for registrations already normalised (a CSV file read here)."""
        ctx = self._context(require_exception=False)
        numbers = lines or range(2, len(normal) + 2)
        problems = sorted(
            [
                *earlier_problems,
                *(
                    (n, "; ".join(p))
                    for n, r in zip(numbers, normal, strict=True)
                    if (p := registration_problems(r, ctx))
                ),
            ]
        )
        if problems:
            rows = len(normal) + len(earlier_problems)
            raise BulkRejected(
                f"{len(problems)} bad row(s) of {rows}; nothing was registered",
                [f"line {n}: {text}" for n, text in problems],
            )
        if not normal:
            raise BulkRejected("no rows to register; nothing was registered", [])
        return self._register(normal, operator=operator, at=self._check_at(at))

    def register_csv(self, path: Path, *, operator: str) -> list[MediaState]:
        """Register every row of a CSV file, all or nothing."""
        with _bulk():
            lines, regs, problems = read_registrations(path)
            return self._register_normalised(
                regs, operator=operator, lines=lines, earlier_problems=problems
            )

    def _register(
        self, regs: Sequence[Registration], *, operator: str, at: datetime
    ) -> list[MediaState]:
        issuer = self.home.code
        operator = checked_text(operator, "operator", OPERATOR_MAX)
        recorded_at = self.clock()
        with self._tx(write=True) as conn:
            events, states = [], []
            ids = _issue_ids(conn, issuer, len(regs))
            for reg, media_id, event_id in zip(regs, ids, new_event_ids(len(regs)), strict=True):
                event = Event(
                    event_id=event_id,
                    media_id=media_id,
                    action=Action.REGISTER,
                    at=at,
                    recorded_at=recorded_at,
                    site=issuer,
                    operator=operator,
                    detail=_registration_detail(reg, issuer),
                )
                events.append(event)
                states.append(registered_state(event))
            store.append(conn, events)
            store.save_media(conn, states, new=True)
        return states

    # -- events on a medium ------------------------------------------------------------

    def password_sent(
        self,
        code: str,
        *,
        via: str,
        to: str | None = None,
        operator: str,
        at: datetime | None = None,
    ) -> Event:
        """Record that (and how) a medium's password was sent. The password is never stored."""
        if via not in PASSWORD_ROUTES:
            raise InvalidValue(f"--via {via!r} is not one of {', '.join(PASSWORD_ROUTES)}")
        media_id = str(parse_media_id(code))
        when = self._check_at(at)
        with self._tx(write=True) as conn:
            events = self._events_or_fail(conn, media_id)
            state = fold(media_id, events)
            if not state.encrypted:
                raise InvalidValue(f"{media_id} is not encrypted: it has no password to send")
            detail: dict[str, Any] = {"via": via}
            if to:
                detail["to"] = checked_text(to, "--to", NAME_MAX)
            event = self._event(
                media_id, Action.PASSWORD_SENT, when, self.home.code, operator, detail
            )
            self._record(conn, media_id, events, event)
        return event

    def labelled(
        self,
        codes: Sequence[str],
        *,
        template: str,
        file: str,
        operator: str,
        patient_ref: bool = False,
        at: datetime | None = None,
    ) -> list[Event]:
        """Record that labels were printed for these media: one event each, in one transaction.

        A medium given twice gets one event with `copies` in its detail; `patient_ref` notes
        that the label shows a patient reference (never the reference itself). Unknown media
        raise UnknownMedia and nothing is recorded.
        """
        copies = Counter(str(parse_media_id(code)) for code in codes)
        when = self._check_at(at)
        site = self.home.code
        recorded = []
        with self._tx(write=True) as conn:
            for media_id, count in copies.items():
                events = self._events_or_fail(conn, media_id)
                detail: dict[str, Any] = {"template": template, "file": file}
                if count > 1:
                    detail["copies"] = count
                if patient_ref:
                    detail["patient_ref"] = True
                event = self._event(media_id, Action.LABELLED, when, site, operator, detail)
                self._record(conn, media_id, events, event)
                recorded.append(event)
        return recorded

    def attach_tracking(
        self,
        codes: Sequence[str],
        ref: str,
        *,
        operator: str,
        site: str | None = None,
        at: datetime | None = None,
    ) -> TrackingResult:
        """Attach a parcel's tracking reference to the dispatch of each medium: one `tracking`
        event each, in one transaction, all or nothing.

        An S10 reference must pass its check digit; another courier's is kept as given. A
        medium with no dispatch recorded raises NotDispatched; one whose current dispatch
        already carries this reference is left as it is.
        """
        tracking = parse_tracking(ref)
        media_ids = list(dict.fromkeys(str(parse_media_id(code)) for code in codes))
        if not media_ids:
            raise InvalidValue("no media to attach the tracking reference to")
        when = self._check_at(at)
        where = self.org(site).code if site else self.home.code
        recorded, already = [], []
        with self._tx(write=True) as conn:
            for media_id in media_ids:
                events = self._events_or_fail(conn, media_id)
                state = fold(media_id, events)
                if state.dispatched_at is None:
                    raise NotDispatched(
                        f"{media_id}: no dispatch recorded, so no parcel to track: scan its "
                        "dispatch first"
                    )
                if state.tracking == tracking.text:
                    already.append(media_id)
                    continue
                detail = {"ref": tracking.text, "s10": tracking.s10}
                event = self._event(media_id, Action.TRACKING, when, where, operator, detail)
                self._record(conn, media_id, events, event)
                recorded.append(event)
        return TrackingResult(tracking, recorded, already)

    def acknowledge_handover(
        self,
        code: str,
        *,
        acknowledged_by: str,
        relationship: str = "patient",
        operator: str,
        at: datetime | None = None,
    ) -> Event:
        """Record that the recipient of an unencrypted disc signed the handover form."""
        try:
            detail = acknowledgement_detail(acknowledged_by, relationship)
        except ValueError as exc:
            raise InvalidValue(str(exc)) from None
        media_id = str(parse_media_id(code))
        when = self._check_at(at)
        with self._tx(write=True) as conn:
            events = self._events_or_fail(conn, media_id)
            problem = acknowledgement_problem(fold(media_id, events))
            if problem:
                raise NoAcknowledgement(problem)
            event = self._event(
                media_id, Action.ACKNOWLEDGED, when, self.home.code, operator, detail
            )
            self._record(conn, media_id, events, event)
        return event

    def handover_facts(self, code: str) -> HandoverFacts:
        """What the handover form prints for a medium; NoAcknowledgement if it has no handover."""
        media_id = parse_media_id(code)
        state = self.show(str(media_id)).state
        home = self.home
        try:
            return handover_facts(state, media_id.grouped, home.name, home.address or "")
        except ValueError as exc:
            raise NoAcknowledgement(str(exc)) from None

    def scan(
        self,
        action: str,
        code: str,
        *,
        site: str | None = None,
        operator: str,
        at: datetime | None = None,
        detail: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> ScanResult:
        """Record one scan; never raises for a bad code, which is refused with a reason.

        `event_id` names the event in advance (a station's journal), so a replay records it once.
        A receipt of another organisation's medium never seen here is an unexpected arrival.
        """
        if action not in {a.value for a in SCAN_ACTIONS}:
            raise InvalidValue(f"{action!r} is not a scan action ({', '.join(SCAN_ACTIONS)})")
        try:
            parsed = parse_media_id(code)
        except InvalidMediaId as exc:
            return ScanResult(code, "refused", reason=str(exc))
        media_id = str(parsed)
        now = self.clock()
        try:
            when = now if at is None else check_time(at, now)
        except InvalidTime as exc:
            return ScanResult(code, "refused", media_id, reason=f"{media_id}: dated {exc}")
        # On PostgreSQL the medium is read without the chain lock, so stations do not queue
        # behind each other's reads; if another station wrote to it meanwhile, read again.
        for _attempt in range(SCAN_ATTEMPTS):
            with self._tx(write=True, lock_head=False) as conn:
                events = store.media_events(conn, media_id)
                same = next((e for e in events if e.event_id == event_id), None)
                if event_id and same is None and store.known_event_ids(conn, [event_id]):
                    return ScanResult(
                        code,
                        "refused",
                        media_id,
                        reason=f"{media_id}: event {event_id} is recorded for another medium",
                    )
                if same is not None:
                    state = fold(media_id, events)
                    return ScanResult(
                        code,
                        "duplicate",
                        media_id,
                        status=str(state.status),
                        reason=f"already recorded {same.action} at "
                        f"{london(same.at, seconds=True)[11:]} (same event)",
                        event_id=same.event_id,
                        state=state,
                    )
                if not events and not self._unexpected_arrival(action, media_id):
                    return ScanResult(
                        code,
                        "refused",
                        media_id,
                        reason=f"{media_id}: unknown medium (not registered)",
                    )
                dup = duplicate_of(events, action, when, self.duplicate_window)
                if dup is not None:
                    state = fold(media_id, events)
                    return ScanResult(
                        code,
                        "duplicate",
                        media_id,
                        status=str(state.status),
                        reason=f"already recorded {action} at {london(dup.at, seconds=True)[11:]}",
                        event_id=dup.event_id,
                        state=state,
                    )
                extra = {} if events else {"unexpected": True, "issuer": parsed.issuer}
                event = self._event(
                    media_id,
                    action,
                    when,
                    site or self.home.code,
                    operator,
                    {**(detail or {}), **extra},
                    event_id=event_id,
                )
                last = max((e.seq or 0 for e in events), default=0)
                state = fold(media_id, [*events, replace(event, seq=last + 1)])
                if store.append_unless_changed(conn, event, events, state) is not None:
                    break
        else:
            raise LedgerBusy(
                f"{media_id}: scanned elsewhere {SCAN_ATTEMPTS} times meanwhile; scan again"
            )
        anomaly = next((a.text for a in state.anomalies if a.event_id == event.event_id), None)
        return ScanResult(
            code,
            "recorded",
            media_id,
            str(state.status),
            anomaly=anomaly,
            event_id=event.event_id,
            state=state,
        )

    def _unexpected_arrival(self, action: str, media_id: str) -> bool:
        """A receipt of another organisation's medium that nobody announced: record it, flagged."""
        return action == Action.RECEIVE and parse_media_id(media_id).issuer != self.home.code

    def correct(self, event_id: str, *, reason: str, operator: str) -> Event:
        """Void an earlier event with a new one; nothing is edited or deleted."""
        if not reason.strip():
            raise InvalidValue("a correction needs a reason")
        with self._tx(write=True) as conn:
            row = conn.execute(
                sa.select(store.EVENTS).where(store.EVENTS.c.event_id == event_id.strip().lower())
            ).first()
            if row is None:
                raise UnknownEvent(f"no event {event_id!r} in this ledger")
            target = store.to_event(row)
            if target.action == Action.REGISTER:
                raise NotCorrectable(
                    "a registration cannot be voided; record the medium as destroyed instead"
                )
            events = store.media_events(conn, target.media_id)
            if target.event_id in voided_ids(events):
                raise NotCorrectable(f"event {target.event_id} is voided already")
            event = self._event(
                target.media_id,
                Action.CORRECT,
                self.clock(),
                self.home.code,
                operator,
                {"voids": target.event_id, "reason": checked_text(reason, "reason", NOTE_MAX)},
            )
            self._record(conn, target.media_id, events, event)
        return event

    def transfer(
        self,
        destination: str,
        *,
        route: str,
        accession: str | None = None,
        study_uid: str | None = None,
        operator: str,
        at: datetime | None = None,
    ) -> Event:
        """Record an electronic transfer (no medium): one event under a transfer ID of its own."""
        if route not in TRANSFER_ROUTES:
            raise InvalidValue(f"--route {route!r} is not one of {', '.join(TRANSFER_ROUTES)}")
        # The same checks as a registration's destination and study identifiers.
        target = _normalised(
            Registration("", destination, accession=accession, study_uid=study_uid)
        )
        ctx = self._context()
        problems = destination_known(target, ctx) + study_identifiers_wellformed(target, ctx)
        if problems:
            raise InvalidValue("; ".join(problems))
        when = self._check_at(at)
        issuer = self.home.code
        detail: dict[str, Any] = {
            "issuer": issuer,
            "destination": target.destination,
            "route": route,
        }
        if target.accession:
            detail["accession"] = target.accession
        if target.study_uid:
            detail["study_uid"] = target.study_uid
        with self._tx(write=True) as conn:
            (transfer_id,) = _issue_ids(conn, issuer, 1)
            event = self._event(transfer_id, Action.TRANSFER, when, issuer, operator, detail)
            store.append(conn, [event])
        return event

    def ir1_filed(
        self, code: str, *, reason: str, ref: str, operator: str, at: datetime | None = None
    ) -> Event:
        """Record the reference the risk system gave an IR1 filed for (medium, reason)."""
        if not ref.strip():
            raise InvalidValue("--ref needs the risk system's reference number")
        detail = {"ref": checked_text(ref, "--ref", NAME_MAX)}
        return self._ir1_event(code, Action.IR1_FILED, reason, detail, operator, at)

    def ir1_closed(
        self, code: str, *, reason: str, note: str, operator: str, at: datetime | None = None
    ) -> Event:
        """Close the IR1 (or IR1 candidate) for (medium, reason), saying why."""
        if not note.strip():
            raise InvalidValue("closing an IR1 needs a --note saying why")
        return self._ir1_event(
            code,
            Action.IR1_CLOSED,
            reason,
            {"note": checked_text(note, "--note", NOTE_MAX)},
            operator,
            at,
        )

    def _ir1_event(
        self,
        code: str,
        action: str,
        reason: str,
        detail: dict[str, Any],
        operator: str,
        at: datetime | None,
    ) -> Event:
        if reason not in INCIDENT_REASONS:
            raise InvalidValue(
                f"--reason {reason!r} is not an incident reason ({', '.join(INCIDENT_REASONS)})"
            )
        media_id = str(parse_media_id(code))
        when = self._check_at(at)
        with self._tx(write=True) as conn:
            events = self._events_or_fail(conn, media_id)
            event = self._event(
                media_id, action, when, self.home.code, operator, {"reason": reason, **detail}
            )
            self._record(conn, media_id, events, event)
        return event

    def head_at(self, moment: datetime) -> ChainReport:
        """The chain as it stood at `moment`: events recorded by then, and the last one's hash."""
        with self._tx() as conn:
            return ChainReport(*store.head_at(conn, moment))

    def record_events(self, events: Iterable[Event]) -> tuple[list[Event], list[Event]]:
        """Record events made elsewhere (a partner's receipts); an event ID seen before is skipped.

        Returns (recorded, already there). Media must be known to this ledger; all or nothing.
        `recorded_at` becomes the time this ledger records them (so a head digest "as of" a time
        never moves); the time the other ledger recorded one is kept in its detail.
        """
        unique = list({e.event_id: e for e in events}.values())
        now = self.clock()
        for e in unique:
            problem = out_of_range(e.at, now) or out_of_range(e.recorded_at, now)
            if problem:
                raise InvalidTime(f"event {e.event_id} of {e.media_id} is dated {problem}")
            problem = text_problem(e.operator, "operator", OPERATOR_MAX)
            if problem:
                raise InvalidValue(f"event {e.event_id} of {e.media_id}: {problem}")
        with self._tx(write=True) as conn:
            seen = store.known_event_ids(conn, [e.event_id for e in unique])
            fresh = [
                replace(
                    e,
                    recorded_at=now,
                    detail={**e.detail, "recorded_elsewhere_at": to_text(e.recorded_at)},
                )
                for e in unique
                if e.event_id not in seen
            ]
            by_media: dict[str, list[Event]] = {}
            for e in fresh:
                by_media.setdefault(e.media_id, []).append(e)
            for media_id, new in by_media.items():
                before = self._events_or_fail(conn, media_id)
                stamped = [replace(e, seq=(before[-1].seq or 0) + 1 + i) for i, e in enumerate(new)]
                store.append(conn, new)
                store.save_media(conn, [fold(media_id, before + stamped)], new=False)
        return fresh, [e for e in unique if e.event_id in seen]

    def _event(
        self,
        media_id: str,
        action: str,
        at: datetime,
        site: str,
        operator: str,
        detail: dict[str, Any],
        *,
        event_id: str | None = None,
    ) -> Event:
        operator = checked_text(operator, "operator", OPERATOR_MAX)
        return Event(
            event_id=event_id or str(uuid.uuid4()),
            media_id=media_id,
            action=action,
            at=at,
            recorded_at=self.clock(),
            site=site,
            operator=operator,
            detail=detail,
        )

    def _events_or_fail(self, conn: sa.Connection, media_id: str) -> list[Event]:
        events = store.media_events(conn, media_id)
        if not events:
            raise UnknownMedia(f"{media_id}: unknown medium (not registered in this ledger)")
        return events

    def _record(
        self, conn: sa.Connection, media_id: str, before: list[Event], event: Event
    ) -> MediaState:
        """Append one event and refresh the medium's projection from all its events."""
        seq = store.append(conn, [event])
        state = fold(media_id, [*before, replace(event, seq=seq)])
        store.save_media(conn, [state], new=not before)
        return state

    # -- reading ------------------------------------------------------------------------

    def show(self, code: str) -> MediaRecord:
        """A medium's state and its whole history."""
        media_id = str(parse_media_id(code))
        with self._tx() as conn:
            events = self._events_or_fail(conn, media_id)
        return MediaRecord(fold(media_id, events), events)

    def list_media(
        self,
        *,
        status: str | None = None,
        destination: str | None = None,
        unexpected: bool = False,
    ) -> list[dict[str, Any]]:
        """Media from the projection, optionally by status, destination or unexpected arrival."""
        query = sa.select(store.MEDIA).order_by(store.MEDIA.c.media_id.desc())
        if unexpected:
            query = query.where(store.MEDIA.c.unexpected == sa.true())
        if status:
            query = query.where(store.MEDIA.c.status == status)
        if destination:
            query = query.where(store.MEDIA.c.destination == check_ods(destination))
        with self._tx() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def verify_chain(self) -> ChainReport:
        """Recompute the hash chain; IntegrityError names the first event that fails."""
        prev, count, last_seq = GENESIS, 0, 0
        with self._tx() as conn:
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


def tracking_for_scan(action: str, ref: str | None, *, station: bool = False) -> TrackingRef | None:
    """A tracking reference given with a scan, checked before anything is recorded."""
    if ref is None:
        return None
    if action != Action.DISPATCH:
        raise InvalidValue("--tracking goes with dispatch: it is the parcel's reference")
    if station:
        raise InvalidValue(
            "at the station, scan the parcel's tracking barcode after its discs "
            "(--tracking is for media IDs given on the command line)"
        )
    return parse_tracking(ref)


def _org_texts(name: str, address: str | None) -> tuple[str, str | None]:
    """An organisation's name and address, checked as free text."""
    name = checked_text(name, "the organisation's name", NAME_MAX)
    return name, checked_text(address, "the address", NOTE_MAX, lines=True) if address else address


def _issue_ids(conn: sa.Connection, issuer: str, count: int) -> list[str]:
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


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its records.

    A 100,000-row file makes a million short-lived objects and no reference cycles; the
    collector's full passes over them cost a third of the run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _opt(value: str | None) -> str | None:
    """An optional text field: trimmed, empty as None."""
    return value.strip() or None if value is not None else None


def normalised_registration(
    nhs_number: str,
    destination: str,
    accession: str | None = None,
    study_uid: str | None = None,
    kind: str = "cd",
    urgent: bool = False,
    encrypted: bool = True,
    exception: str | None = None,
    approved_by: str | None = None,
    exception_reason: str | None = None,
    studies: tuple[StudyCount, ...] = (),
) -> Registration:
    """A registration with trimmed, upper-cased codes and empty optional fields as None."""
    return Registration(
        nhs_number=nhs_number.replace(" ", "").replace("-", "").strip(),
        destination=destination.strip().upper(),
        accession=_opt(accession),
        study_uid=_opt(study_uid),
        kind=kind.strip().lower(),
        urgent=urgent,
        encrypted=encrypted,
        exception=_opt(exception),
        approved_by=_opt(approved_by),
        exception_reason=_opt(exception_reason),
        studies=studies,
    )


def _normalised(reg: Registration) -> Registration:
    """The same registration, normalised."""
    return normalised_registration(
        reg.nhs_number,
        reg.destination,
        reg.accession,
        reg.study_uid,
        reg.kind,
        reg.urgent,
        reg.encrypted,
        reg.exception,
        reg.approved_by,
        reg.exception_reason,
        reg.studies,
    )


def _registration_detail(reg: Registration, issuer: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "issuer": issuer,
        "nhs_number": reg.nhs_number,
        "destination": reg.destination,
        "kind": reg.kind,
        "urgent": reg.urgent,
        "encrypted": reg.encrypted,
    }
    if reg.accession:
        detail["accession"] = reg.accession
    if reg.study_uid:
        detail["study_uid"] = reg.study_uid
    if reg.studies:
        detail["studies"] = studies_detail(reg.studies)
    if reg.exception:
        detail["exception"] = {
            "code": reg.exception,
            "approved_by": reg.approved_by,
            "reason": reg.exception_reason,
        }
    return detail


def read_registrations(
    path: Path,
) -> tuple[list[int], list[Registration], list[tuple[int, str]]]:
    """Registrations from a CSV file with their line numbers, and every row that cannot be read."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror}") from None
    lines: list[int] = []
    regs: list[Registration] = []
    problems: list[tuple[int, str]] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in reader.fieldnames or []]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidValue(f"{path.name} is not a readable CSV file: {exc}") from None
        if len(header) > MAX_CSV_COLUMNS:
            raise InvalidValue(
                f"{path.name}: the header has {len(header)} columns (this file has at most "
                f"{len(CSV_COLUMNS)} kinds; {MAX_CSV_COLUMNS} at the very most)"
            )
        missing = [c for c in ("nhs_number", "destination") if c not in header]
        if missing:
            raise InvalidValue(f"{path.name}: header lacks required column(s) {', '.join(missing)}")
        twice = sorted(h for h, n in Counter(header).items() if n > 1)
        if twice:
            raise InvalidValue(f"{path.name}: column(s) {', '.join(twice)} appear more than once")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise InvalidValue(f"{path.name}: unknown column(s) {', '.join(unknown)}")
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    problems.append((line, "more cells than header columns"))
                    continue
                cells = {k: (v or "") for k, v in row.items()}
                try:
                    reg = normalised_registration(
                        nhs_number=cells["nhs_number"],
                        destination=cells["destination"],
                        accession=cells.get("accession"),
                        study_uid=cells.get("study_uid"),
                        kind=cells.get("kind") or "cd",
                        urgent=_flag(cells.get("urgent", ""), "urgent", False),
                        encrypted=_flag(cells.get("encrypted", ""), "encrypted", True),
                        exception=cells.get("exception"),
                        approved_by=cells.get("approved_by"),
                        exception_reason=cells.get("exception_reason"),
                    )
                except CustodyError as exc:
                    problems.append((line, str(exc)))
                    continue
                lines.append(line)
                regs.append(reg)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidValue(f"{path.name} is not a readable CSV file: {exc}") from None
    return lines, regs, problems


def exception_label(code: str | None) -> str | None:
    """The words for an encryption exception code."""
    return EXCEPTIONS.get(code) if code else None
