"""Manifests between organisations that keep separate ledgers.

The sender exports the media it dispatched to a partner (JSON or CSV); the
partner imports them as expected arrivals, each an `expected` event dated at
the sender's dispatch time. The partner's receipts (its receive, to-pacs,
imported... events on the sender's media) travel back the same way and are
recorded verbatim at the sender, with the partner's event IDs and times.

Every file carries a content digest (SHA-256 of its canonical JSON, the same
for the JSON and CSV forms) and the head digest of the ledger that made it.
Importing a file twice changes nothing: the events it makes have IDs derived
from its content, and events already recorded are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import sqlalchemy as sa

from ledger import signing, store
from ledger.clock import aware_time, out_of_range, to_text
from ledger.errors import (
    BadSignature,
    CustodyError,
    DigestMismatch,
    InvalidValue,
    UnreadableManifest,
    WrongRecipient,
)
from ledger.events import SCAN_ACTIONS, Action, Event, event_from_json, event_json
from ledger.files import write_private
from ledger.ids import check_nhs_number, check_ods, parse_media_id, parse_tracking
from ledger.media_events import record_events
from ledger.organisations import org
from ledger.recording import record
from ledger.rules import KINDS
from ledger.text import OPERATOR_MAX, checked_text, text_problem
from ledger.transitions import effective
from ledger.work import OpenLedger, Work, within

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MANIFEST_FORMAT = "custody-manifest/1"
RECEIPTS_FORMAT = "custody-receipts/1"
# Names the `expected` events a manifest makes, so a second import makes the same IDs.
EXPECTED_NAMESPACE = uuid.UUID("5b0c3a52-4f0e-4c43-9a47-6d1f2f6f7a01")
MEDIA_COLUMNS = (
    "media_id",
    "dispatched_at",
    "kind",
    "urgent",
    "encrypted",
    "exception",
    "accession",
    "study_uid",
    "nhs_number",
    "dispatch_event_id",
)
# Written by every export, optional on import (files from before #17 have none): the parcel's
# tracking reference. Left out of the digested content when absent, so older digests still hold.
OPTIONAL_MEDIA_COLUMNS = ("tracking",)
_HEADER_KEYS = ("from", "to", "created_at", "since", "head_events", "head", "digest")
_BOOLEAN_COLUMNS = {"urgent", "encrypted"}
_OPTIONAL_COLUMNS = {"exception", "accession", "study_uid", "nhs_number"}
# How a CSV cell says yes or no (a spreadsheet may have rewritten true/false).
_CSV_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}
# What a partner's receipts may record on our media: its own custody of them. Not `dispatch`
# (the medium was dispatched here), nor registration, passwords, IR1s, labels or transfers.
RECEIPT_ACTIONS = frozenset(
    {*(a for a in SCAN_ACTIONS if a != Action.DISPATCH), Action.IMPORT_PARTIAL}
)
_Doc = TypeVar("_Doc", "Manifest", "Receipts")


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One dispatched medium, as the partner needs it to match the patient and the study."""

    media_id: str
    dispatched_at: str
    kind: str
    urgent: bool
    encrypted: bool
    exception: str | None
    accession: str | None
    study_uid: str | None
    nhs_number: str | None
    dispatch_event_id: str
    tracking: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    """Media dispatched from one organisation to another, with the sender's head digest."""

    sender: str
    recipient: str
    created_at: str
    since: str | None
    head_events: int
    head: str
    media: tuple[ManifestItem, ...]
    digest: str = ""
    # The sender's Ed25519 signature of its digest (ledger.signing.file_message); "" if unsigned.
    signature: str = ""


@dataclass(frozen=True, slots=True)
class Receipts:
    """The receiver's events on the sender's media, with the receiver's head digest."""

    sender: str
    recipient: str
    created_at: str
    since: str | None
    head_events: int
    head: str
    events: tuple[dict[str, Any], ...]
    digest: str = ""
    signature: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What importing a file did: events recorded now, already there, and lines left out."""

    kind: Literal["manifest", "receipts"]
    partner: str
    digest: str
    recorded: int
    already: int
    skipped: tuple[str, ...] = field(default_factory=tuple)


# -- digests and file forms ---------------------------------------------------------------


def _body(doc: Manifest | Receipts) -> dict[str, Any]:
    """The content a digest covers: everything in the file but the digest."""
    head = {"events": doc.head_events, "digest": doc.head}
    common = {"from": doc.sender, "to": doc.recipient, "created_at": doc.created_at}
    if isinstance(doc, Manifest):
        items = [
            {
                **{k: getattr(i, k) for k in MEDIA_COLUMNS},
                **{k: getattr(i, k) for k in OPTIONAL_MEDIA_COLUMNS if getattr(i, k) is not None},
            }
            for i in doc.media
        ]
        return {
            "format": MANIFEST_FORMAT,
            **common,
            "since": doc.since,
            "sender_head": head,
            "media": items,
        }
    return {
        "format": RECEIPTS_FORMAT,
        **common,
        "since": doc.since,
        "receiver_head": head,
        "events": list(doc.events),
    }


def content_digest(doc: Manifest | Receipts) -> str:
    """SHA-256 of the canonical JSON of the file's content."""
    text = json.dumps(_body(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def to_json(doc: Manifest | Receipts) -> str:
    """The JSON form, digest (and signature, if signed) included."""
    signature = {"signature": doc.signature} if doc.signature else {}
    body = {**_body(doc), "digest": doc.digest, **signature}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def manifest_csv(manifest: Manifest) -> str:
    """The CSV form: `# key: value` lines for the header, then one row per medium."""
    out = io.StringIO()
    out.write(f"# {MANIFEST_FORMAT}\n")
    header = {
        "from": manifest.sender,
        "to": manifest.recipient,
        "created_at": manifest.created_at,
        "since": manifest.since or "",
        "head_events": manifest.head_events,
        "head": manifest.head,
        "digest": manifest.digest,
    }
    for key in _HEADER_KEYS:
        out.write(f"# {key}: {header[key]}\n")
    if manifest.signature:
        out.write(f"# signature: {manifest.signature}\n")
    writer = csv.writer(out, lineterminator="\n")
    columns = (*MEDIA_COLUMNS, *OPTIONAL_MEDIA_COLUMNS)
    writer.writerow(columns)
    for item in manifest.media:
        writer.writerow(
            [
                ("true" if v else "false") if k in _BOOLEAN_COLUMNS else ("" if v is None else v)
                for k, v in ((k, getattr(item, k)) for k in columns)
            ]
        )
    return out.getvalue()


def write_file(doc: Manifest | Receipts, path: Path, fmt: str | None = None) -> str:
    """Write a manifest or receipts file; the format (json, csv) follows the suffix unless given."""
    chosen = fmt or ("csv" if path.suffix.lower() == ".csv" else "json")
    if chosen not in ("json", "csv"):
        raise InvalidValue(f"format {chosen!r} is not json or csv")
    if chosen == "csv" and not isinstance(doc, Manifest):
        raise InvalidValue("receipts are written as JSON only")
    text = manifest_csv(doc) if chosen == "csv" and isinstance(doc, Manifest) else to_json(doc)
    write_private(path, text)  # it lists NHS numbers
    return chosen


def read_file(path: Path) -> Manifest | Receipts:
    """A manifest (JSON or CSV) or receipts file, its digest checked."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableManifest(f"cannot read {path}: {exc}") from None
    try:
        doc = _parse_csv(text) if text.startswith("#") else _parse_json(text)
    except KeyError as exc:
        raise UnreadableManifest(
            f"{path.name} is not a custody manifest: no {exc.args[0]!r} field"
        ) from None
    except (TypeError, ValueError, AttributeError, IndexError, csv.Error) as exc:
        raise UnreadableManifest(f"{path.name} is not a custody manifest: {exc}") from None
    if content_digest(doc) != doc.digest:
        raise DigestMismatch(
            f"{path.name}: content does not match its digest (changed or damaged on the way); "
            "nothing was imported - ask the sender for a fresh copy"
        )
    return doc


def _text(value: Any, what: str, *, optional: bool = False) -> Any:
    """A JSON string (or null, if optional), else ValueError."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not text")
    return value


def _check_item(item: ManifestItem, n: int) -> ManifestItem:
    """A manifest line whose values have the types and values a manifest allows."""
    where = f"medium {n}"
    _text(item.media_id, f"{where}: media_id")
    where = f"medium {n} ({item.media_id})"
    aware_time(item.dispatched_at, f"{where}: dispatched_at")
    if item.kind not in KINDS:
        raise ValueError(f"{where}: kind {item.kind!r} is not one of {', '.join(KINDS)}")
    for key in sorted(_BOOLEAN_COLUMNS):
        if not isinstance(getattr(item, key), bool):
            raise ValueError(f"{where}: {key} {getattr(item, key)!r} is not true or false")
    for key in sorted(_OPTIONAL_COLUMNS):
        _text(getattr(item, key), f"{where}: {key}", optional=True)
    _text(item.dispatch_event_id, f"{where}: dispatch_event_id")
    tracking = _text(item.tracking, f"{where}: tracking", optional=True)
    if tracking is not None:
        try:
            parse_tracking(tracking)
        except CustodyError as exc:
            raise ValueError(f"{where}: tracking {exc}") from None
    return item


def _json_item(data: Any, n: int) -> ManifestItem:
    if not isinstance(data, dict):
        raise ValueError(f"medium {n} is not an object")
    missing = [k for k in MEDIA_COLUMNS if k not in data]
    if missing:
        raise ValueError(f"medium {n} has no {', '.join(missing)}")
    optional = {k: data[k] for k in OPTIONAL_MEDIA_COLUMNS if k in data}
    return _check_item(ManifestItem(**{k: data[k] for k in MEDIA_COLUMNS}, **optional), n)


def _header(data: dict[str, Any], head_key: str) -> dict[str, Any]:
    """The header fields common to both file kinds, their types checked."""
    head = data[head_key]
    if not isinstance(head, dict):
        raise ValueError(f"{head_key} is not an object")
    events = head["events"]
    if not isinstance(events, int) or isinstance(events, bool):
        raise ValueError(f"{head_key} events {events!r} is not a number")
    fields = {
        "sender": _text(data["from"], "from"),
        "recipient": _text(data["to"], "to"),
        "created_at": _text(data["created_at"], "created_at"),
        "since": _text(data["since"], "since", optional=True),
        "head_events": events,
        "head": _text(head["digest"], f"{head_key} digest"),
        "digest": _text(data["digest"], "digest"),
        "signature": _text(data.get("signature") or "", "signature"),
    }
    aware_time(fields["created_at"], "created_at")
    if fields["since"] is not None:
        aware_time(fields["since"], "since")
    return fields


def _parse_json(text: str) -> Manifest | Receipts:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"the file holds a JSON {type(data).__name__}, not a manifest object")
    if data.get("format") == MANIFEST_FORMAT:
        media = data["media"]
        if not isinstance(media, list):
            raise ValueError("media is not a list")
        return Manifest(
            **_header(data, "sender_head"),
            media=tuple(_json_item(m, n) for n, m in enumerate(media, start=1)),
        )
    if data.get("format") == RECEIPTS_FORMAT:
        events = data["events"]
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise ValueError("events is not a list of objects")
        return Receipts(**_header(data, "receiver_head"), events=tuple(events))
    raise ValueError(f"unknown format {data.get('format')!r}")


def _parse_csv(text: str) -> Manifest:
    lines = text.splitlines()
    if lines[0] != f"# {MANIFEST_FORMAT}":
        raise ValueError(f"first line is not '# {MANIFEST_FORMAT}'")
    header: dict[str, str] = {}
    body_start = 1
    for body_start, line in enumerate(lines[1:], start=1):  # noqa: B007 - used after the loop
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        header[key.strip()] = value.strip()
    reader = csv.DictReader(lines[body_start:])
    if reader.fieldnames is None or any(k not in reader.fieldnames for k in MEDIA_COLUMNS):
        raise ValueError(f"the column names are not {','.join(MEDIA_COLUMNS)}")
    rows = list(reader)
    return Manifest(
        **_header(
            {
                "from": header["from"],
                "to": header["to"],
                "created_at": header["created_at"],
                "since": header["since"] or None,
                "head": {"events": int(header["head_events"]), "digest": header["head"]},
                "digest": header["digest"],
                "signature": header.get("signature", ""),
            },
            "head",
        ),
        media=tuple(_csv_item(r, n) for n, r in enumerate(rows, start=1)),
    )


def _csv_item(row: dict[str | Any, Any], n: int) -> ManifestItem:
    if None in row or any(row[k] is None for k in MEDIA_COLUMNS):
        raise ValueError(f"medium {n} does not have {len(MEDIA_COLUMNS)} columns")
    values: dict[str, Any] = {}
    for key in (*MEDIA_COLUMNS, *(k for k in OPTIONAL_MEDIA_COLUMNS if row.get(k) is not None)):
        cell = row[key].strip()
        if key in _BOOLEAN_COLUMNS:
            if cell.lower() not in _CSV_BOOLEANS:
                raise ValueError(f"medium {n}: {key} {cell!r} is not true/false (or yes/no)")
            values[key] = _CSV_BOOLEANS[cell.lower()]
        else:
            values[key] = cell or None
    return _check_item(ManifestItem(**values), n)


# -- sender: export -----------------------------------------------------------------------


def export_manifest(
    ledger: Work | OpenLedger,
    partner: str,
    since: datetime | None = None,
    key: Ed25519PrivateKey | None = None,
) -> Manifest:
    """The media this ledger issued and dispatched to `partner` (since a time, if given)."""
    with within(ledger, write=False) as work:
        return _export_manifest(work, org(work.conn, partner).code, since, key)


def _export_manifest(
    work: Work, partner: str, since: datetime | None, key: Ed25519PrivateKey | None = None
) -> Manifest:
    home, conn = work.home.code, work.conn
    media = store.MEDIA
    query = (
        sa.select(media)
        .where(media.c.destination == partner)
        .where(media.c.issuer == home)
        .where(media.c.dispatched_at.is_not(None))
        .order_by(media.c.dispatched_at, media.c.media_id)
    )
    if since is not None:
        query = query.where(media.c.dispatched_at >= to_text(since))
    items = []
    count, head = store.head(conn)
    for row in conn.execute(query).all():
        events = store.media_events(conn, row.media_id)
        dispatch = [e for e in effective(events) if e.action == Action.DISPATCH][-1]
        items.append(
            ManifestItem(
                media_id=row.media_id,
                dispatched_at=row.dispatched_at,
                kind=row.kind,
                urgent=bool(row.urgent),
                encrypted=bool(row.encrypted),
                exception=row.exception,
                accession=row.accession,
                study_uid=row.study_uid,
                nhs_number=row.nhs_number,
                dispatch_event_id=dispatch.event_id,
                tracking=row.tracking,
            )
        )
    manifest = Manifest(
        sender=home,
        recipient=partner,
        created_at=to_text(work.now()),
        since=to_text(since) if since else None,
        head_events=count,
        head=head,
        media=tuple(items),
    )
    return _signed(manifest, key)


def _signed(doc: _Doc, key: Ed25519PrivateKey | None = None) -> _Doc:
    """The document with its content digest filled in, and signed with `key` if given."""
    doc = replace(doc, digest=content_digest(doc))
    if key is None:
        return doc
    return replace(doc, signature=signing.sign(key, _signed_text(doc)))


def _signed_text(doc: Manifest | Receipts) -> str:
    kind = "manifest" if isinstance(doc, Manifest) else "receipts"
    return signing.file_message(kind, doc.sender, doc.recipient, doc.digest)


def signature_problem(doc: Manifest | Receipts, public_key: str | None) -> str | None:
    """Why a partner's file may not be imported given the partner's registered key, or None.

    A partner with a registered public key must sign every file with it; a partner without
    one may send unsigned files (or signed ones, which cannot be checked).
    """
    if public_key is None:
        return None
    kind = "manifest" if isinstance(doc, Manifest) else "receipts"
    if not doc.signature:
        return f"this {kind} is not signed, and {doc.sender} has a registered public key"
    if not signing.signed_by(public_key, _signed_text(doc), doc.signature):
        return f"this {kind}'s signature is not by {doc.sender}'s registered public key"
    return None


# -- receiver: import a manifest ----------------------------------------------------------


def expected_event(manifest: Manifest, item: ManifestItem, operator: str, now: datetime) -> Event:
    """The `expected` event that a manifest line becomes, dated at the sender's dispatch."""
    detail: dict[str, Any] = {
        "issuer": manifest.sender,
        "destination": manifest.recipient,
        "nhs_number": item.nhs_number,
        "kind": item.kind,
        "urgent": item.urgent,
        "encrypted": item.encrypted,
        "manifest": manifest.digest,
        "sender_head": manifest.head,
        "dispatch_event_id": item.dispatch_event_id,
    }
    if item.accession:
        detail["accession"] = item.accession
    if item.study_uid:
        detail["study_uid"] = item.study_uid
    if item.exception:
        detail["exception"] = {"code": item.exception}
    if item.tracking:
        detail["tracking"] = item.tracking
    name = f"{manifest.sender}/{item.media_id}/{item.dispatch_event_id}"
    return Event(
        event_id=str(uuid.uuid5(EXPECTED_NAMESPACE, name)),
        media_id=item.media_id,
        action=Action.EXPECTED,
        at=aware_time(item.dispatched_at, "dispatched_at"),
        recorded_at=now,
        site=manifest.sender,
        operator=operator,
        detail=detail,
    )


def _manifest_problems(manifest: Manifest, now: datetime) -> list[str]:
    """Every line of a manifest that cannot become an expected arrival."""
    problems = []
    lines: dict[str, int] = {}
    for n, item in enumerate(manifest.media, start=1):
        try:
            _check_item(item, n)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        late = out_of_range(aware_time(item.dispatched_at, "dispatched_at"), now)
        if late:
            problems.append(f"medium {n} ({item.media_id}): dispatched_at {late}")
            continue
        try:
            media_id = str(parse_media_id(item.media_id))
            if media_id in lines:
                raise InvalidValue(f"{media_id} is listed twice (also medium {lines[media_id]})")
            lines[media_id] = n
            if media_id != item.media_id:
                raise InvalidValue(f"{item.media_id!r} is not written as {media_id}")
            if parse_media_id(item.media_id).issuer != manifest.sender:
                raise InvalidValue(f"{item.media_id} was not issued by {manifest.sender}")
            if item.nhs_number is not None:
                check_nhs_number(item.nhs_number)
        except (CustodyError, ValueError) as exc:
            problems.append(f"medium {n} ({item.media_id}): {exc}")
    return problems


def import_manifest(
    ledger: Work | OpenLedger, manifest: Manifest, *, operator: str
) -> ImportReport:
    """Load a partner's manifest as expected arrivals; all or nothing, idempotent."""
    with within(ledger) as work:
        return _import_manifest(work, manifest, operator)


def _import_manifest(work: Work, manifest: Manifest, operator: str) -> ImportReport:
    operator = checked_text(operator, "operator", OPERATOR_MAX)
    home, conn = work.home.code, work.conn
    if manifest.recipient != home:
        raise WrongRecipient(
            f"this manifest is for {manifest.recipient}, this ledger is {home}; nothing imported"
        )
    if manifest.sender == home:
        raise WrongRecipient("this manifest was made by this ledger; import it at the partner")
    org(conn, manifest.sender)
    now = work.now()
    problems = _manifest_problems(manifest, now)
    if problems:
        raise InvalidValue(f"{len(problems)} bad line(s); nothing imported: " + "; ".join(problems))
    events = [expected_event(manifest, item, operator, now) for item in manifest.media]
    recorded = already = 0
    seen = store.known_event_ids(conn, [e.event_id for e in events])
    for event in events:
        if event.event_id in seen:
            already += 1
            continue
        before = store.media_events(conn, event.media_id)
        if before and before[0].action == Action.REGISTER and before[0].site == home:
            raise WrongRecipient(f"{event.media_id} is registered in this ledger already")
        record(conn, [event], {event.media_id: before})
        recorded += 1
    return ImportReport("manifest", manifest.sender, manifest.digest, recorded, already)


def expected_not_arrived(
    ledger: Work | OpenLedger, partner: str | None = None
) -> list[dict[str, Any]]:
    """Media a partner's manifest announced that have not been received here (oldest first)."""
    media = store.MEDIA
    query = (
        sa.select(media)
        .where(media.c.expected == sa.true())
        .where(media.c.received_at.is_(None))
        .where(media.c.status == "dispatched")
        .order_by(media.c.dispatched_at, media.c.media_id)
    )
    if partner:
        query = query.where(media.c.issuer == check_ods(partner))
    with within(ledger, write=False) as work:
        return [dict(r._mapping) for r in work.conn.execute(query)]


# -- receiver: export receipts; sender: import them ----------------------------------------


def export_receipts(
    ledger: Work | OpenLedger,
    partner: str,
    since: datetime | None = None,
    key: Ed25519PrivateKey | None = None,
) -> Receipts:
    """This ledger's events on media issued by `partner`: receipts, handovers, imports."""
    with within(ledger, write=False) as work:
        return _export_receipts(work, org(work.conn, partner).code, since, key)


def _export_receipts(
    work: Work, partner: str, since: datetime | None, key: Ed25519PrivateKey | None = None
) -> Receipts:
    events_table = store.EVENTS
    query = (
        sa.select(events_table)
        .where(events_table.c.media_id.like(f"{partner}%"))
        .where(events_table.c.action != Action.EXPECTED)
        .order_by(events_table.c.seq)
    )
    if since is not None:
        query = query.where(events_table.c.recorded_at >= to_text(since))
    count, head = store.head(work.conn)
    rows = [store.to_event(r) for r in work.conn.execute(query)]
    ours = [e for e in rows if parse_media_id(e.media_id).issuer == partner]
    ids = {e.event_id for e in ours}
    # A correction travels only with the event it voids (not with the partner's own `expected`).
    kept = [e for e in ours if e.action != Action.CORRECT or e.detail.get("voids") in ids]
    receipts = Receipts(
        sender=work.home.code,
        recipient=partner,
        created_at=to_text(work.now()),
        since=to_text(since) if since else None,
        head_events=count,
        head=head,
        events=tuple(event_json(e) for e in kept),
    )
    return _signed(receipts, key)


def import_receipts(ledger: Work | OpenLedger, receipts: Receipts) -> ImportReport:
    """Record a partner's custody events on our media, with its times and event IDs; idempotent.

    A malformed event (or one event ID given twice with different content) refuses the whole
    file. Events the partner may not record here are left out, each listed in `skipped` with
    the reason, and the rest are recorded: only the sender's own scans of our media
    (RECEIPT_ACTIONS) at its own site, not in the future, and corrections of events it sent.
    """
    with within(ledger) as work:
        return _import_receipts(work, receipts)


def _import_receipts(work: Work, receipts: Receipts) -> ImportReport:
    home = work.home.code
    if receipts.recipient != home:
        raise WrongRecipient(
            f"these receipts are for {receipts.recipient}, this ledger is {home}; nothing imported"
        )
    partner = org(work.conn, receipts.sender).code
    events = _receipt_events(receipts)
    now = work.now()
    skipped = []
    known: list[Event] = []
    theirs: set[str] = set()  # event IDs of the partner's events accepted from this file
    for e in events:
        history = (
            store.media_events(work.conn, e.media_id)
            if parse_media_id(e.media_id).issuer == home
            else []
        )
        problem = _receipt_problem(e, home, partner, now, history, theirs)
        if problem:
            skipped.append(f"{e.media_id} {e.action} {e.event_id}: {problem}")
        else:
            known.append(e)
            theirs.add(e.event_id)
    recorded, already = record_events(work, known)
    return ImportReport(
        "receipts", receipts.sender, receipts.digest, len(recorded), len(already), tuple(skipped)
    )


def _receipt_problem(
    e: Event,
    home: str,
    partner: str,
    now: datetime,
    history: list[Event],
    theirs: set[str],
) -> str | None:
    """Why a partner's event may not be recorded in this ledger, or None."""
    if parse_media_id(e.media_id).issuer != home:
        return f"not issued by {home}"
    if not history:
        return "not registered in this ledger"
    if e.site != partner:
        return f"recorded at {e.site}: {partner} may send only its own events"
    problem = out_of_range(e.at, now) or out_of_range(e.recorded_at, now)
    if problem:
        return f"dated {problem}"
    problem = text_problem(e.operator, "operator", OPERATOR_MAX)
    if problem:
        return problem
    if e.action == Action.CORRECT:
        voids = e.detail.get("voids")
        sent = {x.event_id for x in history if x.site == partner} | theirs
        if not isinstance(voids, str) or voids not in sent:
            return f"a correction may void only an event {partner} sent for this medium"
        target = next((x for x in history if x.event_id == voids), None)
        if target is not None and target.media_id != e.media_id:
            return "the event it voids is on another medium"
        return None
    if e.action not in RECEIPT_ACTIONS:
        return f"{partner} may not record {e.action!r} on our media (only its custody scans)"
    return None


def _receipt_events(receipts: Receipts) -> list[Event]:
    """The file's events, in order, each once; a malformed one refuses the file."""
    events: list[Event] = []
    seen: dict[str, dict[str, Any]] = {}
    for data in receipts.events:
        event = _event_from_json(data)
        first = seen.get(event.event_id)
        if first is None:
            seen[event.event_id] = data
            events.append(event)
        elif first != data:
            raise UnreadableManifest(
                f"receipt event {event.event_id} appears twice with different content; "
                "nothing imported"
            )
    return events


def _event_from_json(data: Any) -> Event:
    name = data.get("event_id") if isinstance(data, dict) else None
    try:
        if not isinstance(data, dict):
            raise ValueError("not an object")
        for key in ("event_id", "media_id", "action", "site", "operator"):
            _text(data.get(key), key)
        aware_time(data.get("at"), "at")
        aware_time(data.get("recorded_at"), "recorded_at")
        event = event_from_json(data)
        return event._replace(
            event_id=str(uuid.UUID(event.event_id)),
            media_id=str(parse_media_id(event.media_id)),
            action=str(Action(event.action)),
            site=check_ods(event.site),
        )
    except (KeyError, TypeError, ValueError, AttributeError, CustodyError) as exc:
        raise UnreadableManifest(
            f"receipt event {name!r} is malformed: {exc}; nothing imported"
        ) from None


def import_file(ledger: Work | OpenLedger, path: Path, *, operator: str) -> ImportReport:
    """Import a manifest (as receiver) or receipts (as sender), whichever the file is."""
    doc = read_file(path)
    with within(ledger, write=False) as work:
        partner = org(work.conn, doc.sender) if doc.sender != work.home.code else None
    if partner is not None:
        problem = signature_problem(doc, partner.public_key)
        if problem:
            raise BadSignature(f"{path.name}: {problem}; nothing imported")
    if isinstance(doc, Manifest):
        return import_manifest(ledger, doc, operator=operator)
    return import_receipts(ledger, doc)
