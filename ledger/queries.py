"""Read-only queries, each a function of a connection (`Ledger.reading()`).

Media and their histories for `show` and `list`; for reports, columnar rows straight from the
driver's cursor. Reports read the ledger only through these functions. Media come from the
`media` projection (each medium's fold, refreshed on every event); events are
read only for the few actions a report needs (transfers, IR1 filings), with
corrections applied. Times are returned as stored: fixed-width UTC text
(see ledger.clock), which pandas parses in one vectorised step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa

from ledger import integrity, store
from ledger.clock import from_text, to_text
from ledger.errors import InvalidValue, ProjectionMismatch, UnknownMedia
from ledger.events import Action, Event
from ledger.ids import check_ods, parse_media_id
from ledger.transitions import MediaState, Status, effective, fold, voided_ids

# What every query function takes: a connection from `Ledger.reading()` or a unit of work.
Connection = sa.Connection


class Rows(NamedTuple):
    """A query's result: column names, and one tuple of plain values per row."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


M = store.MEDIA
E = store.EVENTS

# What reports read of a medium; patient identifiers only where asked for.
MEDIA_COLUMNS: tuple[str, ...] = (
    "media_id",
    "registered",
    "expected",
    "unexpected",
    "issuer",
    "destination",
    "kind",
    "urgent",
    "encrypted",
    "exception",
    "status",
    "status_at",
    "registered_at",
    "dispatched_at",
    "received_at",
    "received_site",
    "to_pacs_at",
    "imported_at",
    "import_failed_at",
    "returned_at",
    "destroyed_at",
    "lost_at",
    "password_sent_at",
    "password_via",
    "misdelivered",
    "anomalies",
    "first_anomaly_at",
    "first_anomaly",
    "tracking",
    "acknowledged_at",
)
PATIENT_COLUMNS: tuple[str, ...] = ("nhs_number", "accession", "study_uid")

# Statuses in which a medium still has somewhere to go.
OPEN_STATUSES = (
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.RECEIVED,
    Status.WITH_PACS,
    Status.IMPORT_FAILED,
)
# The steps a period covers: a medium with any of these in the period is "touched" by it.
STEP_COLUMNS = (
    "registered_at",
    "dispatched_at",
    "received_at",
    "to_pacs_at",
    "imported_at",
    "import_failed_at",
    "lost_at",
    "password_sent_at",
    "first_anomaly_at",
)


def _columns(patient: bool) -> tuple[str, ...]:
    return MEDIA_COLUMNS + (PATIENT_COLUMNS if patient else ())


def _media_select(patient: bool) -> sa.Select[Any]:
    return sa.select(*(M.c[name] for name in _columns(patient)))


def _touched(columns: tuple[str, ...]) -> sa.Select[Any]:
    start, end = sa.bindparam("start", type_=sa.String), sa.bindparam("end", type_=sa.String)
    steps = [sa.and_(M.c[c] >= start, M.c[c] < end) for c in STEP_COLUMNS]
    # Deadline findings (overdue receipt, password) arise working days after the dispatch.
    late = sa.and_(M.c.dispatched_at >= sa.bindparam("lookback"), M.c.dispatched_at < end)
    return sa.select(*(M.c[name] for name in columns)).where(sa.or_(*steps, late))


# A disc handed to the patient whose acknowledgement is still to be recorded, whatever its status.
UNACKNOWLEDGED = sa.and_(M.c.exception == "patient-handover", M.c.acknowledged_at.is_(None))
# Built once: store._run compiles each statement once per dialect.
# Two indexed selects, not one OR: with the OR SQLite scans every medium. The second part
# (partial index ix_media_handover_unacknowledged) skips what the first already has.
# Plain comparisons, not IN: store._run sends the compiled SQL as it is (no expanding lists).
_OPEN = {
    p: sa.union_all(
        _media_select(p).where(sa.or_(*(M.c.status == str(s) for s in OPEN_STATUSES))),
        _media_select(p).where(UNACKNOWLEDGED, *(M.c.status != str(s) for s in OPEN_STATUSES)),
    )
    for p in (False, True)
}
_TOUCHED: dict[tuple[str, ...], sa.Select[Any]] = {}
_ACTION_EVENTS = sa.select(
    E.c.seq, E.c.event_id, E.c.media_id, E.c.action, E.c.at, E.c.site, E.c.operator, E.c.detail
).where(
    E.c.action == sa.bindparam("action"),
    E.c.at >= sa.bindparam("start"),
    E.c.at < sa.bindparam("end"),
)
_DISPATCH_HOUR = sa.func.substr(M.c.dispatched_at, 1, 13)
_LOST_HOUR = sa.func.substr(M.c.lost_at, 1, 13)
_HOURLY_MEDIA = (
    sa.select(_DISPATCH_HOUR, _LOST_HOUR, M.c.issuer, M.c.encrypted, sa.func.count())
    .where(
        sa.or_(
            sa.and_(
                M.c.dispatched_at >= sa.bindparam("start"), M.c.dispatched_at < sa.bindparam("end")
            ),
            sa.and_(M.c.lost_at >= sa.bindparam("start"), M.c.lost_at < sa.bindparam("end")),
        )
    )
    .group_by(_DISPATCH_HOUR, _LOST_HOUR, M.c.issuer, M.c.encrypted)
)
_EVENT_HOUR = sa.func.substr(E.c.at, 1, 13)
_HOURLY_EVENTS = (
    sa.select(_EVENT_HOUR, sa.func.count())
    .where(
        E.c.action == sa.bindparam("action"),
        E.c.at >= sa.bindparam("start"),
        E.c.at < sa.bindparam("end"),
    )
    .group_by(_EVENT_HOUR)
)
_EVENT_BY_ID = sa.select(E.c.action, E.c.at).where(E.c.event_id == sa.bindparam("event_id"))
_CORRECTIONS = sa.select(E.c.seq, E.c.event_id, E.c.media_id, E.c.detail).where(
    E.c.action == str(Action.CORRECT)
)
_EARLIEST = "0000-00-00T00:00:00.000000Z"
# A placeholder time for stand-in events whose times effective() does not read.
_T0 = from_text("2000-01-01T00:00:00.000000Z")
_LATEST = "9999-12-31T23:59:59.999999Z"


def _fetch(conn: sa.Connection, stmt: Any, params: dict[str, Any]) -> tuple[list[str], list[Any]]:
    cursor = store._run(conn, stmt, params)
    names = [d[0] for d in cursor.description]
    return names, cursor.fetchall()


def _checked(
    conn: sa.Connection, stmt: Any, params: dict[str, Any], names: tuple[str, ...]
) -> Rows:
    """The media rows a query reads, each re-folded from its events in the same transaction:
    a report never reads a projection row that `verify` would contradict without saying so."""
    rows = store._run(conn, stmt, params).fetchall()
    problems = integrity.rows_problems(conn, names, rows)
    if problems:
        more = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ProjectionMismatch(
            f"the media projection disagrees with the events: {problems[0].text}{more}; "
            "nothing reported",
            hint="run `custody verify`, then `custody db rebuild`",
        )
    return Rows(names, rows)


def open_media(conn: sa.Connection, *, patient: bool = False) -> Rows:
    """Every medium that still has somewhere to go (registered ... import failed), and every
    disc handed to the patient with no acknowledgement recorded yet; each row re-folded."""
    return _checked(conn, _OPEN[patient], {}, _columns(patient))


def touched_media(
    conn: sa.Connection,
    start: datetime,
    end: datetime,
    *,
    lookback: timedelta = timedelta(0),
    patient: bool = False,
    columns: tuple[str, ...] | None = None,
) -> Rows:
    """Media with any step in [start, end), or dispatched up to `lookback` before `start`.

    `columns` narrows what is read (a long period needs only a few); patient
    identifiers only with `patient`.
    """
    names = columns or _columns(patient)
    if not patient and set(names) & set(PATIENT_COLUMNS):
        raise ValueError("patient identifiers are read only with patient=True")
    stmt = _TOUCHED.setdefault(names, _touched(names))
    params = {"start": to_text(start), "end": to_text(end), "lookback": to_text(start - lookback)}
    if "media_id" in names:
        return _checked(conn, stmt, params, names)
    _, rows = _fetch(conn, stmt, params)
    return Rows(names, rows)


def find_media(
    conn: sa.Connection,
    *,
    media_id: str | None = None,
    accession: str | None = None,
    nhs_number: str | None = None,
    limit: int = 50,
) -> Rows:
    """Media by exact media ID, accession or NHS number (indexed); patient columns included.

    Callers that show the result to someone who may not see patient identifiers drop them.
    """
    stmt = _media_select(True).order_by(M.c.media_id.desc()).limit(limit)
    if media_id:
        stmt = stmt.where(M.c.media_id == media_id)
    if accession:
        stmt = stmt.where(M.c.accession == accession)
    if nhs_number:
        stmt = stmt.where(M.c.nhs_number == nhs_number)
    if not (media_id or accession or nhs_number):
        return Rows(_columns(True), [])
    return Rows(_columns(True), [tuple(r) for r in conn.execute(stmt)])


def medium(conn: sa.Connection, code: str) -> Rows:
    """One medium, as the projection holds it, with its patient identifiers."""
    state = media_record(conn, code).state
    row = store.media_row(state)
    columns = _columns(True)
    return Rows(columns, [tuple(row[c] for c in columns)])


def _voided(conn: sa.Connection, media_ids: set[str] | None) -> set[str]:
    """Which events of these media (None: of any) a correction voided (the fold's rule decides)."""
    _, rows = _fetch(conn, _CORRECTIONS, {})
    corrections = [r for r in rows if media_ids is None or r[2] in media_ids]
    if not corrections:
        return set()
    targets: dict[str, list[Event]] = {}
    for seq, event_id, media_id, detail in corrections:
        targets.setdefault(media_id, []).append(
            Event(
                event_id, media_id, str(Action.CORRECT), _T0, _T0, "", "", json.loads(detail), seq
            )
        )
    voided: set[str] = set()
    for media_id, fixes in targets.items():
        ids = {f.detail["voids"] for f in fixes}
        # Stand-ins for the voidable events: effective() needs only their ids and order.
        stand_ins = [Event(i, media_id, "scan", _T0, _T0, "", "", {}, 0) for i in ids]
        kept = {e.event_id for e in effective([*stand_ins, *fixes])}
        voided |= ids - kept
    return voided


def action_events(
    conn: sa.Connection,
    action: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Rows:
    """Effective events of one action that happened in [start, end): voided ones left out.

    Columns: event_id, media_id, at, site, operator, and the detail as parsed JSON.
    """
    params = {
        "action": action,
        "start": to_text(start) if start else _EARLIEST,
        "end": to_text(end) if end else _LATEST,
    }
    _, rows = _fetch(conn, _ACTION_EVENTS, params)
    voided = _voided(conn, {r[2] for r in rows})
    kept = [
        (event_id, media_id, at, site, operator, json.loads(detail))
        for _seq, event_id, media_id, _action, at, site, operator, detail in rows
        if event_id not in voided
    ]
    return Rows(("event_id", "media_id", "at", "site", "operator", "detail"), kept)


def transfers(
    conn: sa.Connection, start: datetime | None = None, end: datetime | None = None
) -> Rows:
    """Electronic transfers in [start, end): transfer_id, at, issuer, destination, route."""
    found = action_events(conn, Action.TRANSFER, start, end)
    rows = [
        (media_id, at, d.get("issuer", site), d["destination"], d["route"])
        for _eid, media_id, at, site, _op, d in found.rows
    ]
    return Rows(("transfer_id", "at", "issuer", "destination", "route"), rows)


def hourly_media(conn: sa.Connection, start: datetime, end: datetime) -> Rows:
    """Media dispatched or lost in [start, end), counted by UTC hour (a London month is whole
    hours): dispatched_hour, lost_hour, issuer, encrypted, media. Hours are `YYYY-MM-DDTHH`."""
    params = {"start": to_text(start), "end": to_text(end)}
    _, rows = _fetch(conn, _HOURLY_MEDIA, params)
    return Rows(("dispatched_hour", "lost_hour", "issuer", "encrypted", "media"), rows)


def hourly_events(conn: sa.Connection, action: str, start: datetime, end: datetime) -> Rows:
    """Effective events of one action in [start, end), counted by UTC hour: hour, events."""
    low, high = to_text(start), to_text(end)
    _, rows = _fetch(conn, _HOURLY_EVENTS, {"action": action, "start": low, "end": high})
    counts = {hour: n for hour, n in rows}
    for event_id in _voided(conn, None):
        hit = store._run(conn, _EVENT_BY_ID, {"event_id": event_id}).fetchone()
        if hit and hit[0] == action and low <= hit[1] < high:
            counts[hit[1][:13]] -= 1
    return Rows(("hour", "events"), sorted(counts.items()))


def ir1_records(conn: sa.Connection) -> Rows:
    """Every IR1 filing and closure: media_id, reason, action, at, ref, note, operator."""
    rows: list[tuple[Any, ...]] = []
    for action in (Action.IR1_FILED, Action.IR1_CLOSED):
        for _eid, media_id, at, _site, operator, d in action_events(conn, action).rows:
            rows.append(
                (media_id, d["reason"], str(action), at, d.get("ref"), d.get("note"), operator)
            )
    rows.sort(key=lambda r: r[3])
    return Rows(("media_id", "reason", "action", "at", "ref", "note", "operator"), rows)


_HEAD_SEQ = sa.select(store.HEAD.c.seq).where(store.HEAD.c.id == 1)
# In chain order, so the database walks the newest events by their key (not a whole index).
_CHANGED = (
    sa.select(E.c.media_id)
    .where(E.c.seq > sa.bindparam("seq"))
    .order_by(E.c.seq)
    .limit(sa.bindparam("limit"))
)
# More changed events than this since a report was built: treat everything as changed.
MAX_CHANGES = 20_000


def changes_since(conn: sa.Connection, seq: int | None) -> tuple[int, set[str] | None]:
    """The chain head's sequence number now, and the media with an event after `seq` (None:
    every medium may have changed: `seq` is None, the chain is shorter than it, or more than
    MAX_CHANGES events came since)."""
    (now,) = store._run(conn, _HEAD_SEQ, {}).fetchone()
    if seq is None or now < seq:
        return int(now), None
    if now == seq:
        return int(now), set()
    rows = store._run(conn, _CHANGED, {"seq": seq, "limit": MAX_CHANGES + 1}).fetchall()
    if len(rows) > MAX_CHANGES:
        return int(now), None
    return int(now), {r[0] for r in rows}


def media_rows(conn: sa.Connection, media_ids: set[str], *, patient: bool = False) -> Rows:
    """These media, as the projection holds them (whatever their status)."""
    found: list[Any] = []
    ids = sorted(media_ids)
    for start in range(0, len(ids), 500):
        stmt = _media_select(patient).where(M.c.media_id.in_(ids[start : start + 500]))
        found += [tuple(r) for r in conn.execute(stmt)]
    return Rows(_columns(patient), found)


def head(conn: sa.Connection) -> tuple[int, str]:
    """The number of events and the chain's head digest: it moves with every event recorded."""
    return store.head(conn)


def organisation_names(conn: sa.Connection) -> dict[str, str]:
    """ODS code to name, for every organisation in the ledger."""
    return {o.code: o.name for o in store.organisations(conn)}


def home_code(conn: sa.Connection) -> str:
    """The ledger's home organisation."""
    return str(store.home_organisation(conn).code)


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """A medium with its whole history, for `custody show`."""

    state: MediaState
    events: list[Event]

    @property
    def voided(self) -> set[str]:
        """The events that a standing correction voids (corrections included)."""
        return voided_ids(self.events)


def media_record(conn: sa.Connection, code: str) -> MediaRecord:
    """A medium's state and its whole history; UnknownMedia if this ledger never saw it."""
    media_id = str(parse_media_id(code))
    events = store.media_events(conn, media_id)
    if not events:
        raise UnknownMedia(f"{media_id}: unknown medium (not registered in this ledger)")
    return MediaRecord(fold(media_id, events), events)


def list_media(
    conn: sa.Connection,
    *,
    status: str | None = None,
    destination: str | None = None,
    unexpected: bool = False,
) -> list[dict[str, Any]]:
    """Media from the projection, optionally by status, destination or unexpected arrival."""
    if status and status not in {s.value for s in Status}:
        raise InvalidValue(
            f"{{status}} {status!r} is not one of {', '.join(Status)}", field="status"
        )
    query = sa.select(M).order_by(M.c.media_id.desc())
    if unexpected:
        query = query.where(M.c.unexpected == sa.true())
    if status:
        query = query.where(M.c.status == status)
    if destination:
        query = query.where(M.c.destination == check_ods(destination))
    return [dict(r._mapping) for r in conn.execute(query)]
