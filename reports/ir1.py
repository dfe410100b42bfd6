"""`custody ir1 draft`: a pre-filled IR1 (as Datix's DIF1 lays it out) for a person to paste.

The description and actions carry no patient identifiers; the patient's
details are in their own section, as the form keeps them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from ledger import queries
from ledger.api import Ledger
from ledger.clock import LONDON, london
from ledger.errors import CustodyError, InvalidValue
from ledger.events import Action
from ledger.ids import parse_tracking
from ledger.queries import MediaRecord
from ledger.reasons import INCIDENT_REASONS
from ledger.transitions import MediaState
from reports.frames import basis, media_frame, step_years, times
from reports.incidents import (
    HARM,
    ICO_DEADLINE,
    IMPACT,
    IMPORT_PARTIAL,
    Evidence,
    breach,
    findings,
    ir1_status,
    what,
)
from reports.thresholds import Thresholds


class NoIncident(CustodyError):
    """A medium with no IR1 candidate (for the reason asked, if one was)."""


CATEGORY = {
    "lost": "Information governance: loss of removable media containing patient data",
    "overdue-receipt": "Diagnostic imaging: delay in transfer of images between organisations",
    "import-failed": "Diagnostic imaging: images not imported into PACS",
    "import-partial": "Diagnostic imaging: images imported into PACS incompletely",
    "unencrypted-no-exception": "Information governance: unencrypted removable media",
    "password-not-sent": "Diagnostic imaging: delay in transfer (password not sent)",
    "password-enclosed": "Information governance: password sent with encrypted media",
    "misdelivered": "Information governance: media delivered to the wrong organisation",
    "sequence-anomaly": "Records: chain-of-custody record discrepancy",
}


@dataclass(frozen=True)
class Ir1Draft:
    """Every box of the draft form, in order."""

    media_id: str
    reason: str
    incident_at: datetime
    reported_on: date
    location: str
    category: str
    description: str
    actions: tuple[str, ...]
    harm: str
    impact: str
    patient: tuple[tuple[str, str], ...]
    protection: str
    data_breach: bool
    ico_deadline: datetime | None
    ir1_status: str
    ir1_ref: str | None
    other_reasons: tuple[str, ...]
    staff: tuple[str, ...]


def draft(
    ledger: Ledger, code: str, thresholds: Thresholds, *, reason: str | None = None
) -> Ir1Draft:
    """The draft IR1 for a medium: for `reason`, or its first reason in the incident list."""
    if reason is not None and reason not in INCIDENT_REASONS:
        raise InvalidValue(
            f"{{reason}} {reason!r} is not an incident reason ({', '.join(INCIDENT_REASONS)})",
            field="reason",
        )
    today = ledger.clock().astimezone(LONDON).date()
    with ledger.reading() as conn:
        record = queries.media_record(conn, code)
        media_id = record.state.media_id
        media = media_frame(queries.medium(conn, media_id))
        partial = [r[1:3] for r in queries.action_events(conn, IMPORT_PARTIAL).rows]
        status = ir1_status(conn)
        names = queries.organisation_names(conn)
    ctx = basis(today, thresholds, step_years(media))
    partial_frame = pd.DataFrame.from_records(
        [p for p in partial if p[0] == media_id], columns=["media_id", "at"]
    )
    partial_frame["at"] = times(partial_frame["at"])
    found = findings(Evidence(media, partial_frame), ctx)
    reasons = [r for r in INCIDENT_REASONS if r in set(found["reason"])]
    if not reasons or (reason is not None and reason not in reasons):
        wanted = f" for {reason}" if reason else ""
        raise NoIncident(f"{media_id} has no IR1 candidate{wanted} as of {today.isoformat()}")
    chosen = reason or reasons[0]
    finding = found[found["reason"] == chosen].iloc[0]
    row = pd.Series({**media.iloc[0].to_dict(), **finding.to_dict()})
    incident_at = finding["detected_at"].to_pydatetime()
    mine = status[(status["media_id"] == media_id) & (status["reason"] == chosen)]
    is_breach = breach(row)
    s = record.state
    return Ir1Draft(
        media_id=media_id,
        reason=chosen,
        incident_at=incident_at,
        reported_on=today,
        location=_location(row, names),
        category=CATEGORY[chosen],
        description=what(row, ctx),
        actions=_actions(record, chosen, incident_at),
        harm=HARM[chosen] + ("; a possible personal data breach" if is_breach else ""),
        impact=IMPACT[chosen],
        patient=(
            ("NHS number", _nhs(s.nhs_number)),
            ("Accession number", s.accession or "-"),
            ("Study Instance UID", s.study_uid or "-"),
        ),
        protection=_protection(s),
        data_breach=is_breach,
        ico_deadline=incident_at + ICO_DEADLINE if is_breach else None,
        ir1_status=str(mine["ir1_status"].iloc[0]) if len(mine) else "to-file",
        ir1_ref=str(mine["ir1_ref"].iloc[0])
        if len(mine) and mine["ir1_ref"].notna().iloc[0]
        else None,
        other_reasons=tuple(r for r in reasons if r != chosen),
        staff=tuple(sorted({e.operator for e in record.events})),
    )


def _protection(s: MediaState) -> str:
    """How the disc was protected, in words."""
    if not s.encrypted:
        return "not encrypted"
    if s.password_via == "enclosed":
        return "encrypted, with its password in the parcel"
    if s.password_sent_at:
        return f"encrypted, with its password sent separately by {s.password_via}"
    return "encrypted, with no password recorded as sent"


def _actions(record: MediaRecord, chosen: str, incident_at: datetime) -> tuple[str, ...]:
    """What the ledger shows was done since the incident, and what the reporter must add."""
    s, voided = record.state, record.voided
    later = [
        f"{london(e.at)}  {e.action} recorded at {e.site}"
        for e in record.events
        if e.at > incident_at
        and e.event_id not in voided
        and e.action not in (Action.CORRECT, Action.IR1_FILED, Action.IR1_CLOSED)
    ]
    actions = [
        f"Found in the custody ledger: {INCIDENT_REASONS[chosen]}.",
        *(f"Since then: {line}" for line in later),
    ]
    if s.encrypted:
        actions.append(
            f"Password recorded as sent by {s.password_via}, {london(s.password_sent_at)}."
            if s.password_sent_at
            else "No password is recorded as sent."
        )
    if s.tracking and chosen in ("lost", "overdue-receipt"):
        actions.append(
            f"Trace the parcel with the carrier: tracking reference "
            f"{parse_tracking(s.tracking).grouped}."
        )
    actions.append("Reporter to add: who was contacted, and what was done to recover the images.")
    return tuple(actions)


def _nhs(number: str | None) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if number and len(number) == 10 else "-"


def _location(row: pd.Series, names: dict[str, str]) -> str:
    def org(code: object) -> str:
        return f"{code} {names.get(str(code), '')}".strip()

    reason = row["reason"]
    if reason in ("lost", "overdue-receipt"):
        return f"In transit from {org(row['issuer'])} to {org(row['destination'])}"
    if reason in ("import-failed", "import-partial"):
        return f"PACS, {org(row['destination'])}"
    if reason == "misdelivered":
        return f"{org(row['received_site'])} (addressed to {org(row['destination'])})"
    return f"{org(row['issuer'])} (sender)"


def external_reporting(d: Ir1Draft) -> str:
    """What the form's external-reporting box should say, with the ICO clock where it runs."""
    if d.data_breach and d.ico_deadline is not None:
        return (
            "POSSIBLE PERSONAL DATA BREACH: an unencrypted (or password-enclosed) disc was "
            f"{'lost' if d.reason == 'lost' else 'misdelivered'}. Under UK GDPR it may have to "
            "be reported to the ICO within 72 hours of discovery, through the Data Security and "
            f"Protection Toolkit: by {london(d.ico_deadline)} (discovered {london(d.incident_at)})."
        )
    if d.reason in ("lost", "misdelivered"):
        return (
            f"The disc was {d.protection}: far lower risk than an unencrypted disc; record the "
            "decision on whether a data breach report is needed."
        )
    return "Not expected (no patient data left NHS control on the ledger's facts)."


def draft_text(d: Ir1Draft) -> str:
    """The draft as plain text, one box per paragraph."""
    lines = [
        f"IR1 INCIDENT REPORT - DRAFT for {d.media_id} ({d.reason})",
        "Check every box before pasting into the risk system.",
        "",
        f"Incident date and time:  {london(d.incident_at)} (Europe/London)",
        f"Reported date:           {d.reported_on.isoformat()}",
        f"Location:                {d.location}",
        f"Category:                {d.category}",
        f"IR1 status:              {d.ir1_status}" + (f" (ref {d.ir1_ref})" if d.ir1_ref else ""),
        "",
        "Description (no patient identifiers):",
        f"  {d.description}",
        f"  Possible impact: {d.impact}.",
        "",
        "Immediate action taken (no patient identifiers):",
        *(f"  - {a}" for a in d.actions),
        "",
        f"Suggested initial harm grading: {d.harm}",
        "",
        "External reporting:",
        f"  {external_reporting(d)}",
        "",
        "People affected (patient details, this section only):",
        *(f"  {k}: {v}" for k, v in d.patient),
        "",
        "Staff who recorded the custody events: " + ", ".join(d.staff),
    ]
    if d.other_reasons:
        lines += ["", "Other IR1 candidates for this medium: " + ", ".join(d.other_reasons)]
    return "\n".join(lines) + "\n"


_CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #212b32;
       max-width: 180mm; margin: 0 auto; }
h1 { font-size: 14pt; color: #005eb8; margin: 0 0 2pt; }
.box { border: 0.75pt solid #aeb7bd; margin: 6pt 0; padding: 4pt 8pt; break-inside: avoid; }
.box h2 { font-size: 9pt; text-transform: uppercase; color: #4c6272; margin: 0 0 3pt; }
.patient { border: 1.5pt solid #da291c; }
.breach { background: #fde8e6; border: 1.5pt solid #da291c; font-weight: bold; }
dl { display: grid; grid-template-columns: 45mm 1fr; margin: 0; }
dt { font-weight: bold; } dd { margin: 0 0 2pt; }
"""


def draft_html(d: Ir1Draft) -> str:
    """The draft as one self-contained HTML page."""
    e = html.escape

    def box(title: str, inner: str, cls: str = "") -> str:
        return f"<div class='box {cls}'><h2>{e(title)}</h2>{inner}</div>"

    facts = "".join(
        f"<dt>{e(k)}</dt><dd>{e(v)}</dd>"
        for k, v in (
            ("Incident date and time", f"{london(d.incident_at)} (Europe/London)"),
            ("Reported date", d.reported_on.isoformat()),
            ("Location", d.location),
            ("Category", d.category),
            ("IR1 status", d.ir1_status + (f" (ref {d.ir1_ref})" if d.ir1_ref else "")),
        )
    )
    actions = "".join(f"<li>{e(a)}</li>" for a in d.actions)
    patient = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in d.patient)
    body = (
        f"<h1>IR1 incident report: draft for {e(d.media_id)} ({e(d.reason)})</h1>"
        "<p>Check every box before pasting into the risk system.</p>"
        + box("When, where, what kind", f"<dl>{facts}</dl>")
        + box(
            "Description (no patient identifiers)",
            f"<p>{e(d.description)}</p><p>Possible impact: {e(d.impact)}.</p>",
        )
        + box("Immediate action taken (no patient identifiers)", f"<ul>{actions}</ul>")
        + box("Suggested initial harm grading", f"<p>{e(d.harm)}</p>")
        + box(
            "External reporting",
            f"<p>{e(external_reporting(d))}</p>",
            "breach" if d.data_breach else "",
        )
        + box(
            "People affected: patient details (this section only)", f"<dl>{patient}</dl>", "patient"
        )
        + box("Staff who recorded the custody events", f"<p>{e(', '.join(d.staff))}</p>")
    )
    if d.other_reasons:
        body += f"<p>Other IR1 candidates for this medium: {e(', '.join(d.other_reasons))}</p>"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>IR1 draft {e(d.media_id)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )
