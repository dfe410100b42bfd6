"""How records look on the terminal and in JSON."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.api import MediaRecord, ScanResult, TrackingResult
    from ledger.events import Event
    from ledger.transitions import MediaState


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def state_json(state: MediaState) -> dict[str, Any]:
    """A medium's state as JSON-ready data."""
    from ledger.studies import studies_detail

    return {
        "media_id": state.media_id,
        "status": str(state.status) if state.status else None,
        "status_at": _iso(state.status_at),
        "issuer": state.issuer,
        "destination": state.destination,
        "kind": state.kind,
        "urgent": state.urgent,
        "encrypted": state.encrypted,
        "exception": state.exception,
        "nhs_number": state.nhs_number,
        "accession": state.accession,
        "study_uid": state.study_uid,
        "password_sent_at": _iso(state.password_sent_at),
        "password_via": state.password_via,
        "misdelivered": state.misdelivered,
        "unexpected": state.unexpected,
        "studies": studies_detail(state.studies),
        "received_studies": studies_detail(state.received_studies),
        "import_partial_at": _iso(state.import_partial_at),
        "import_check": state.import_check,
        "tracking": state.tracking,
        "acknowledged_at": _iso(state.acknowledged_at),
        "anomalies": [
            {"event_id": a.event_id, "at": _iso(a.at), "text": a.text} for a in state.anomalies
        ],
    }


def event_json(event: Event, voided: bool = False) -> dict[str, Any]:
    """An event as JSON-ready data."""
    return {
        "seq": event.seq,
        "event_id": event.event_id,
        "action": event.action,
        "at": _iso(event.at),
        "recorded_at": _iso(event.recorded_at),
        "site": event.site,
        "operator": event.operator,
        "detail": event.detail,
        "voided": voided,
        "hash": event.hash,
    }


def record_json(record: MediaRecord) -> dict[str, Any]:
    """`custody show --json`."""
    voided = record.voided
    return {
        **state_json(record.state),
        "events": [event_json(e, e.event_id in voided) for e in record.events],
    }


def record_lines(record: MediaRecord, names: dict[str, str] | None = None) -> list[str]:
    """`custody show`, for a person; `names` gives organisations' names by ODS code."""
    from ledger.api import exception_label
    from ledger.clock import london
    from ledger.handover import acknowledgement_problem
    from ledger.ids import parse_media_id, parse_tracking

    s = record.state
    since = f" since {london(s.status_at)}" if s.status_at else ""
    if s.encrypted:
        password = (
            f"password sent by {s.password_via} {london(s.password_sent_at)}"
            if s.password_sent_at
            else "password not yet recorded as sent"
        )
        encryption = f"encrypted; {password}"
    else:
        encryption = f"NOT ENCRYPTED - {exception_label(s.exception) or 'no exception recorded'}"
        if acknowledgement_problem(s) is None:
            encryption += (
                f"; risk acknowledged by the recipient {london(s.acknowledged_at)}"
                if s.acknowledged_at
                else "; recipient's acknowledgement not yet recorded"
            )
    study = ", ".join(
        x
        for x in (s.accession and f"accession {s.accession}", s.study_uid and f"UID {s.study_uid}")
        if x
    )
    lines = [
        f"{s.media_id}  ({parse_media_id(s.media_id).grouped})",
        f"status       {s.status}{since}",
        f"destination  {s.destination}"
        + (f"  {names[s.destination]}" if names and s.destination in names else "")
        + ("  (MISDELIVERED to " + str(s.received_site) + ")" if s.misdelivered else "")
        if not s.unexpected
        else f"destination  -  (UNEXPECTED ARRIVAL from {s.issuer}: follow up with the sender)",
        f"kind         {s.kind}{', URGENT' if s.urgent else ''}",
        *([f"tracking     {parse_tracking(s.tracking).grouped}"] if s.tracking else []),
        f"encryption   {encryption}",
        f"patient      NHS {s.nhs_number}" if s.nhs_number else "patient      -",
        f"study        {study or '-'}",
    ]
    if s.studies or s.received_studies:
        lines.append(f"disc         {disc_summary(s)}")
    if s.import_check:
        lines.append(f"pacs check   {s.import_check}")
    for a in s.anomalies:
        lines.append(f"anomaly      {london(a.at)}  {a.text}")
    lines.append("history")
    return lines + history_lines(record)


def history_lines(record: MediaRecord) -> list[str]:
    """A medium's events, one line each, voided ones marked, late entries with their time."""
    from ledger.clock import london
    from ledger.text import shown

    lines = []
    voided = record.voided
    for e in record.events:
        late = (
            ""
            if abs((e.recorded_at - e.at).total_seconds()) < 3600
            else (f"  (recorded {london(e.recorded_at)})")
        )
        # Text stored by an older version may hold a newline: shown escaped, never as a line.
        extra = shown(" ".join(f"{k}={v}" for k, v in e.detail.items() if k not in _QUIET_DETAIL))
        mark = "  VOIDED" if e.event_id in voided else ""
        lines.append(
            f"  {london(e.at)}  {e.action:<14} {e.site:<5} {shown(e.operator):<12} {e.event_id}"
            f"{'  ' + extra if extra else ''}{late}{mark}"
        )
    return lines


# Registration details already shown above the history.
_QUIET_DETAIL = {
    "issuer",
    "nhs_number",
    "destination",
    "kind",
    "urgent",
    "encrypted",
    "accession",
    "study_uid",
    "studies",
}


def tracking_line(result: TrackingResult) -> str:
    """The media a parcel's tracking reference was attached to (and those that had it)."""
    parts = [f"TRACKING {result.ref.grouped}"]
    if result.recorded:
        parts.append("attached to " + " ".join(e.media_id for e in result.recorded))
    if result.already:
        parts.append("already on " + " ".join(result.already))
    return " - ".join(parts)


def arrival_warning(result: ScanResult) -> str | None:
    """What a receipt just recorded needs someone to follow up: unexpected or misdelivered."""
    s = result.state
    if result.outcome != "recorded" or s is None or s.status != "received":
        return None
    if s.unexpected:
        return f"UNEXPECTED ARRIVAL from {s.issuer}: not in this ledger, recorded for follow-up"
    if s.misdelivered:
        return f"MISDELIVERED: addressed to {s.destination}, received at {s.received_site}"
    return None


def disc_summary(state: MediaState) -> str:
    """How many studies and images the disc held when registered and when received."""
    parts = []
    for label, studies in (("registered", state.studies), ("received", state.received_studies)):
        if studies:
            images = sum(s.instance_count for s in studies)
            parts.append(f"{label} {len(studies)} studies, {images} images")
    return "; ".join(parts)


def scan_line(result: ScanResult) -> str:
    """One line per scanned code, as it is processed."""
    if result.outcome == "recorded":
        tail = f" - anomaly: {result.anomaly}" if result.anomaly else ""
        warning = arrival_warning(result)
        tail += f" - {warning}" if warning else ""
        return f"OK {result.media_id} {result.status}{tail}"
    if result.outcome == "duplicate":
        return f"DUPLICATE {result.media_id} {result.status} - {result.reason}"
    return f"REFUSED {result.reason}"
