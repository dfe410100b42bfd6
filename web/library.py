"""The one place the web app calls the ledger: every page asks through here.

Nothing here decides a rule: a scan goes through the station's own reading of a line
(`station.wedge.read_line`: command barcodes, badges, Caps Lock, affixes, noise) and
`Ledger.scan` (double reads, misreads, unknown media, unexpected arrivals, misdelivery,
anomalies), as the terminal station does. This module turns their answers into what a
page shows, and drops patient identifiers for those who may not see them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ledger import queries
from ledger.accounts import ROLES, Account, Accounts
from ledger.api import Ledger, MediaRecord, normalised_registration, read_registrations
from ledger.clock import LONDON, from_text, london, parse_time
from ledger.errors import (
    BulkRejected,
    CustodyError,
    InvalidMediaId,
    InvalidNhsNumber,
    InvalidValue,
    LedgerUnreachable,
    SignInRefused,
)
from ledger.events import SCAN_ACTIONS
from ledger.handover import RELATIONSHIPS, acknowledgement_problem
from ledger.ids import check_nhs_number, parse_media_id, parse_tracking
from ledger.registration import CSV_COLUMNS
from ledger.rules import EXCEPTIONS, KINDS, PASSWORD_ROUTES, Registration
from ledger.transitions import MediaState
from station.wedge import (
    BADGE_PREFIX,
    COMMAND_CODES,
    Badge,
    Command,
    Noise,
    Tracking,
    parcel_problem,
    read_line,
)

__all__ = [
    "CSV_COLUMNS",
    "EXCEPTIONS",
    "KINDS",
    "PASSWORD_ROUTES",
    "RELATIONSHIPS",
    "ROLES",
    "Account",
    "Accounts",
    "BulkRejected",
    "CustodyError",
    "Ledger",
    "LedgerUnreachable",
    "SignInRefused",
]

SCAN_ACTION_NAMES: tuple[str, ...] = tuple(a.value for a in SCAN_ACTIONS)
# What the post room may see of a medium (the Caldicott minimum to route a parcel).
ROUTING_FIELDS = ("media_id", "destination", "status", "urgent")
PATIENT_COLUMNS = ("nhs_number", "accession")
# The signer of a handover form is the patient or someone close to them.
PATIENT_DETAIL_KEYS = frozenset(
    {"nhs_number", "accession", "study_uid", "studies", "acknowledged_by"}
)

Outcome = Literal["ok", "duplicate", "refused", "command", "signed-in", "tracking"]


@dataclass(frozen=True, slots=True)
class DeskResult:
    """What the scan desk shows for one line from the scanner."""

    outcome: Outcome
    action: str
    code: str = ""
    media_id: str | None = None
    status: str | None = None
    destination: str | None = None
    urgent: bool = False
    reason: str | None = None
    notice: str | None = None  # amber: it counted, but look (misdelivered, unexpected, anomaly)
    account: Account | None = None
    parcel: tuple[str, ...] = ()  # a tracking code: the discs it went on

    def as_json(self) -> dict[str, Any]:
        """The result as the desk's script reads it (no patient identifiers, ever)."""
        return {
            "outcome": self.outcome,
            "action": self.action,
            "code": self.code,
            "media_id": self.media_id,
            "status": self.status,
            "destination": self.destination,
            "urgent": self.urgent,
            "reason": self.reason,
            "notice": self.notice,
            "operator": self.account.name if self.account else None,
            "parcel": list(self.parcel),
        }


def open_ledger(target: str) -> Ledger:
    """The ledger the server runs over."""
    return Ledger.open(target)


def command_codes() -> dict[str, str]:
    """The command barcodes and the action each switches to (the page needs them offline)."""
    return dict(COMMAND_CODES)


def _notice(state: MediaState | None, action: str, anomaly: str | None) -> str | None:
    if state is None:
        return None
    if state.unexpected and action == "receive":
        return f"unexpected arrival from {state.issuer}: nobody told us it was coming"
    if state.misdelivered and action == "receive":
        return f"misdelivered: this disc is for {state.destination}"
    return anomaly


def scan_line(
    ledger: Ledger,
    accounts: Accounts,
    raw: str,
    *,
    action: str,
    site: str | None,
    operator: str,
    address: str | None,
    event_id: str | None = None,
    at: str | None = None,
    parcel: Sequence[str] = (),
) -> DeskResult:
    """One line from the desk's scanner, read as the terminal station reads it.

    `event_id` and `at` come with a scan the browser queued while offline: it is recorded
    once, with the time it was scanned. `parcel` is what the page scanned for dispatch since
    its last tracking code: a tracking barcode goes on those discs.
    """
    if action not in SCAN_ACTION_NAMES:
        raise InvalidValue(f"{action!r} is not a scan action ({', '.join(SCAN_ACTION_NAMES)})")
    line = read_line(raw)
    if line is None:
        return DeskResult("refused", action, reason="empty line")
    if isinstance(line, Noise):
        return DeskResult("refused", action, reason=line.reason)
    if isinstance(line, Command):
        return DeskResult("command", line.action, reason=f"now scanning: {line.action}")
    if isinstance(line, Badge):
        if at:
            # Sent from the offline queue: signing someone in now would make the scans queued
            # after it theirs, though the person who scanned them was someone else.
            return DeskResult("refused", action, reason="a badge scanned offline: scan it again")
        try:
            account = badge_sign_in(accounts, raw, address)
        except SignInRefused as exc:
            return DeskResult("refused", action, reason=str(exc))
        return DeskResult("signed-in", action, reason=f"signed in: {account.name}", account=account)
    when = parse_time(at, ledger.clock()) if at else None
    # As the terminal station checks its site when it starts: a site the ledger knows.
    where = ledger.org(site).code if site else None
    if isinstance(line, Tracking):
        return _track(ledger, line.text, action, parcel, where, operator, when)
    result = ledger.scan(
        action, line.text, site=where, operator=operator, at=when, event_id=event_id
    )
    state = result.state
    outcome: Outcome = "ok" if result.outcome == "recorded" else result.outcome
    return DeskResult(
        outcome,
        action,
        result.code,
        result.media_id,
        result.status,
        state.destination if state else None,
        state.urgent if state else False,
        result.reason,
        _notice(state, action, result.anomaly) if outcome == "ok" else None,
    )


def _track(
    ledger: Ledger,
    code: str,
    action: str,
    parcel: Sequence[str],
    site: str | None,
    operator: str,
    when: datetime | None,
) -> DeskResult:
    """A parcel's tracking barcode at the desk: on every disc of `parcel`, by the station's rule."""
    try:
        ref = parse_tracking(code)
        problem = parcel_problem(action, parcel, ref)
        if problem:
            return DeskResult("refused", action, code, reason=problem)
        done = ledger.attach_tracking(
            parcel, ref.text, site=site or None, operator=operator, at=when
        )
    except LedgerUnreachable:
        raise
    except CustodyError as exc:
        return DeskResult("refused", action, code, reason=str(exc))
    discs = tuple(e.media_id for e in done.recorded) + tuple(done.already)
    return DeskResult("tracking", action, code, reason=f"tracking {ref.grouped}", parcel=discs)


# -- a medium ------------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return london(value)
    return value


_MEDIA_FIELDS = (
    "media_id",
    "status",
    "status_at",
    "destination",
    "urgent",
    "issuer",
    "kind",
    "encrypted",
    "exception",
    "password_via",
    "password_sent_at",
    "labelled",
    "misdelivered",
    "unexpected",
    "expected",
)


def media_view(ledger: Ledger, code: str, *, patient: bool) -> dict[str, Any]:
    """A medium's record and timeline, as a page shows it; patient details only if `patient`."""
    record: MediaRecord = ledger.show(code)
    state = record.state
    handover = acknowledgement_problem(state) is None
    anomalies = [{"at": london(a.at), "text": a.text} for a in state.anomalies]
    return {
        "media": _media_fields(state, patient=patient, handover=handover),
        "events": _timeline(record, patient=patient),
        "anomalies": anomalies,
        "encrypted": state.encrypted,
        "dispatched": state.dispatched_at is not None,
        "handover": handover,
    }


def _media_fields(state: MediaState, *, patient: bool, handover: bool) -> dict[str, Any]:
    """A medium's fields as shown: routing fields only, unless `patient`."""
    fields = {name: _shown(getattr(state, name)) for name in _MEDIA_FIELDS}
    # The parcel's tracking reference routes it: the post room sees it too.
    fields["tracking"] = parse_tracking(state.tracking).grouped if state.tracking else None
    if not patient:
        fields = {
            k: v for k, v in fields.items() if k in (*ROUTING_FIELDS, "status_at", "tracking")
        }
    if handover:
        fields["acknowledged_at"] = _shown(state.acknowledged_at)
    if patient:
        fields.update(
            nhs_number=state.nhs_number, accession=state.accession, study_uid=state.study_uid
        )
    return fields


def _timeline(record: MediaRecord, *, patient: bool) -> list[dict[str, Any]]:
    """A medium's events, oldest first, each marked voided and whether it can be corrected."""
    voided = record.voided
    return [
        {
            "event_id": e.event_id,
            "action": str(e.action),
            "at": london(e.at, seconds=True),
            "recorded_at": london(e.recorded_at, seconds=True),
            "site": e.site,
            "operator": e.operator,
            "detail": _detail_text(e.detail, patient),
            "voided": e.event_id in voided,
            "correctable": str(e.action) != "register" and e.event_id not in voided,
        }
        for e in record.events
    ]


def _detail_text(detail: dict[str, Any], patient: bool) -> str:
    """`key=value` pairs as `custody show` prints them; patient details only if `patient`."""
    return " ".join(
        f"{k}={v if isinstance(v, str) else json.dumps(v, sort_keys=True)}"
        for k, v in sorted(detail.items())
        if patient or k not in PATIENT_DETAIL_KEYS
    )


def correct(ledger: Ledger, event_id: str, *, reason: str, operator: str) -> str:
    """Void an event with a reason; the correction's event ID."""
    return ledger.correct(event_id, reason=reason, operator=operator).event_id


def password_sent(ledger: Ledger, code: str, *, via: str, to: str | None, operator: str) -> None:
    """Record that (and how) the password went separately."""
    ledger.password_sent(code, via=via, to=to or None, operator=operator)


def label_pdf(ledger: Ledger, code: str, *, operator: str) -> tuple[str, bytes]:
    """One medium's label as a one-page PDF (brother-62x29), recorded as labelled."""
    from labels.content import make_label_content
    from labels.sheets import write_labels
    from ledger.labelling import label_facts

    media_id = str(parse_media_id(code))
    today = ledger.clock().astimezone(LONDON).date()
    contents = [
        make_label_content(**f._asdict(), date=today) for f in label_facts(ledger, [media_id])
    ]
    name = f"{media_id}.pdf"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / name
        write_labels(contents, out, "brother-62x29")
        data = out.read_bytes()
    ledger.labelled([media_id], template="brother-62x29", file=name, operator=operator)
    return name, data


def attach_tracking(ledger: Ledger, code: str, ref: str, *, operator: str) -> str:
    """Attach a parcel's tracking reference to a dispatched medium; the reference as shown."""
    done = ledger.attach_tracking([code], ref, operator=operator)
    return done.ref.grouped


def acknowledge_handover(
    ledger: Ledger, code: str, *, acknowledged_by: str, relationship: str, operator: str
) -> None:
    """Record that the recipient of an unencrypted disc signed its handover form."""
    ledger.acknowledge_handover(
        code, acknowledged_by=acknowledged_by, relationship=relationship, operator=operator
    )


def handover_form_pdf(ledger: Ledger, code: str) -> tuple[str, bytes]:
    """The handover form of an unencrypted disc handed to its recipient, as an A4 PDF."""
    from labels.handover import write_handover_form

    facts = ledger.handover_facts(code)
    name = f"{facts.media_id}-handover-form.pdf"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / name
        write_handover_form(out, **facts._asdict())
        return name, out.read_bytes()


# -- registration ----------------------------------------------------------------------------


def nhs_number_problem(text: str) -> str | None:
    """Why this is not an NHS number, or None (checked as the imaging admin types)."""
    try:
        check_nhs_number(text.replace(" ", "").replace("-", ""))
    except InvalidNhsNumber as exc:
        return str(exc)
    return None


def register(ledger: Ledger, form: dict[str, str], *, operator: str) -> str:
    """Register one medium from the form's fields; its new media ID."""
    encrypted = form.get("encrypted") != "no"
    reg: Registration = normalised_registration(
        nhs_number=form.get("nhs_number", ""),
        destination=form.get("destination", ""),
        accession=form.get("accession"),
        study_uid=form.get("study_uid"),
        kind=form.get("kind") or "cd",
        urgent=form.get("urgent") == "yes",
        encrypted=encrypted,
        exception=form.get("exception") if not encrypted else None,
        approved_by=form.get("approved_by") if not encrypted else None,
        exception_reason=form.get("exception_reason") if not encrypted else None,
    )
    return ledger.register(reg, operator=operator).media_id


def register_csv(ledger: Ledger, data: bytes, filename: str, *, operator: str) -> list[str]:
    """Register every row of an uploaded CSV file, all or nothing; the new media IDs."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "upload.csv")
        path.write_bytes(data)
        lines, regs, problems = read_registrations(path)
        states = ledger.register_many(
            regs, operator=operator, lines=lines, earlier_problems=problems
        )
    return [s.media_id for s in states]


# -- search -------------------------------------------------------------------------------


def search(ledger: Ledger, text: str, *, patient: bool) -> tuple[str, list[dict[str, Any]]]:
    """Media by media ID, or (with `patient`) by NHS number or accession: (what it was, rows)."""
    text = text.strip()
    if not text:
        return "", []
    try:
        media_id = str(parse_media_id(text))
    except InvalidMediaId:
        media_id = None
    by: dict[str, Any]
    if media_id:
        kind, by = "media ID", {"media_id": media_id}
    elif not patient:
        raise InvalidValue("search by media ID (NHS numbers and accessions are for the PACS desk)")
    elif nhs_number_problem(text) is None:
        kind, by = "NHS number", {"nhs_number": text.replace(" ", "").replace("-", "")}
    else:
        kind, by = "accession", {"accession": text}
    with ledger.reading() as conn:
        rows = queries.find_media(conn, **by)
    keep = (*ROUTING_FIELDS, "status_at", *PATIENT_COLUMNS) if patient else ROUTING_FIELDS
    found = [
        {k: _cell(k, v) for k, v in zip(rows.columns, row, strict=True) if k in keep}
        for row in rows.rows
    ]
    return kind, found


def _cell(column: str, value: Any) -> Any:
    """A projection cell as people read it: times in UK local time."""
    return london(from_text(value)) if column.endswith("_at") and value else value


def organisations(ledger: Ledger) -> list[tuple[str, str]]:
    """(code, name) of every organisation, home first."""
    return [(o.code, o.name) for o in ledger.organisations()]


def home_code(ledger: Ledger) -> str:
    """The home organisation's ODS code."""
    return ledger.home.code


def badge_sign_in(accounts: Accounts, typed: str, address: str | None) -> Account:
    """Sign in with a badge scanned into a field (read as the station reads a badge)."""
    line = read_line(typed)
    if not isinstance(line, Badge):
        raise SignInRefused("that is not a badge")
    return accounts.badge_sign_in(BADGE_PREFIX + line.operator.upper(), address)
