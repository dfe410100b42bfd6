"""`report incidents`: IR1 candidates, one row per (medium, reason), with the IR1 status.

Each reason is a rule in RULES: a function from the evidence to its findings
(media_id, reason, detected_at, note). A finding is something that happened
(a receipt that came 12 working days after dispatch was overdue), so it
stays until an IR1 is filed and closed for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from ledger import queries
from ledger.api import Ledger
from ledger.clock import london
from ledger.errors import InvalidValue
from ledger.ids import parse_tracking
from ledger.reasons import INCIDENT_REASONS
from ledger.transitions import Status
from reports.calendar import london_days
from reports.frames import Basis, basis, day_starts, media_frame, step_years, times
from reports.thresholds import Thresholds

FINDING_COLUMNS = ["media_id", "reason", "detected_at", "note"]
ICO_DEADLINE = timedelta(hours=72)
# Incidents that put patient data where it should not be.
EXPOSED = ("lost", "misdelivered")
# The action the PACS verification (issue 8) records for a partial import.
IMPORT_PARTIAL = "import-partial"
COLUMNS = [
    "media_id",
    "reason",
    "detected_at",
    "ir1_status",
    "ir1_ref",
    "what",
    "where",
    "involved",
    "impact",
    "data_breach",
    "ico_deadline",
    "destination",
    "urgent",
    "encrypted",
    "tracking",
    "nhs_number",
    "accession",
    "study_uid",
]

# What fits a page or a terminal: the full facts are in csv, json and xlsx.
SUMMARY_COLUMNS = [
    "media_id",
    "reason",
    "detected_at",
    "ir1_status",
    "ir1_ref",
    "what",
    "where",
    "data_breach",
    "ico_deadline",
    "nhs_number",
    "accession",
]


@dataclass(frozen=True)
class Evidence:
    """What the incident rules read: media from the projection, and a few kinds of event."""

    media: pd.DataFrame
    partial_imports: pd.DataFrame  # media_id, at


Rule = Callable[[Evidence, Basis], pd.DataFrame]


def _found(rows: pd.DataFrame, reason: str, at: pd.Series, note: object = None) -> pd.DataFrame:
    return pd.DataFrame(
        {"media_id": rows["media_id"], "reason": reason, "detected_at": at, "note": note},
        columns=FINDING_COLUMNS,
    )


def sent_by_us(media: pd.DataFrame) -> pd.Series:
    """Media this ledger issued and registered: not announced by a partner, not unexpected.

    Only for these does this ledger record the dispatch, the password and the
    encryption decision; a receiver never records a password for a disc it did
    not send, so the sender's rules (overdue receipt, password, encryption)
    apply to them alone.
    """
    return media["registered"] & ~media["expected"] & ~media["unexpected"]


def lost(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Recorded lost (even if found later: that is for the IR1's closing note)."""
    rows = ev.media[ev.media["lost_at"].notna()]
    return _found(rows, "lost", rows["lost_at"])


def overdue_receipt(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Sent by us, and not received by the IR1 threshold (sooner for urgent media)."""
    m = ev.media[sent_by_us(ev.media) & ev.media["dispatched_at"].notna()]
    t = ctx.thresholds
    limit = np.where(m["urgent"].to_numpy(), t.overdue_receipt_urgent, t.overdue_receipt)
    due = ctx.calendar.reached(london_days(m["dispatched_at"]), limit)
    # A receipt from before the latest dispatch belongs to an earlier journey.
    received = m["received_at"].where(m["received_at"] >= m["dispatched_at"])
    waiting = m["status"] == Status.DISPATCHED
    # No receipt, and no longer dispatched: it left the post some other way (lost, returned).
    other = m["status_at"].where(~waiting)
    # Day by day, not received.fillna(other): the two columns' time units may differ (pandas
    # infers each column's own), and filling one from the other casts or warns.
    received_day, other_day = london_days(received), london_days(other)
    end = np.where(np.isnat(received_day), other_day, received_day)
    end = np.where(np.isnat(end) & waiting.to_numpy(), ctx.as_of_day, end)
    late = ~np.isnat(due) & ~np.isnat(end) & (due <= end)
    rows = m[late]
    return _found(rows, "overdue-receipt", day_starts(due[late]).set_axis(rows.index))


def import_failed(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """An import attempt failed."""
    rows = ev.media[ev.media["import_failed_at"].notna()]
    return _found(rows, "import-failed", rows["import_failed_at"])


def import_partial(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """PACS holds fewer instances than the disc did (recorded by `custody pacs verify`)."""
    latest = ev.partial_imports.sort_values("at").drop_duplicates("media_id", keep="last")
    return _found(latest, "import-partial", latest["at"])


def unencrypted_no_exception(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Sent by us unencrypted, with no exception from the guidance recorded."""
    m = ev.media
    rows = m[sent_by_us(m) & ~m["encrypted"] & m["exception"].isna()]
    return _found(rows, "unencrypted-no-exception", rows["registered_at"])


def password_not_sent(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Sent by us encrypted, with no password recorded as sent within the threshold."""
    m = ev.media
    m = m[sent_by_us(m) & m["encrypted"] & m["dispatched_at"].notna()]
    due = ctx.calendar.reached(london_days(m["dispatched_at"]), ctx.thresholds.password_within + 1)
    sent = london_days(m["password_sent_at"])
    end = np.where(np.isnat(sent), ctx.as_of_day, sent)
    late = ~np.isnat(due) & (due <= end)
    rows = m[late]
    return _found(rows, "password-not-sent", day_starts(due[late]).set_axis(rows.index))


def password_enclosed(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """We put the password in the parcel with the disc."""
    m = ev.media
    rows = m[sent_by_us(m) & (m["password_via"] == "enclosed")]
    return _found(rows, "password-enclosed", rows["password_sent_at"])


def misdelivered(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Received at a site other than its destination."""
    rows = ev.media[ev.media["misdelivered"]]
    return _found(rows, "misdelivered", rows["received_at"], rows["received_site"])


def sequence_anomaly(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """A scan out of order, on any medium: ours, announced by a partner, or an unexpected arrival.

    A receipt of a medium never seen here and not recorded as unexpected is the
    arrival itself, listed by `report unreconciled` instead.
    """
    m = ev.media
    rows = m[(m["registered"] | m["unexpected"]) & (m["anomalies"] > 0)]
    return _found(rows, "sequence-anomaly", rows["first_anomaly_at"], rows["first_anomaly"])


RULES: list[tuple[str, Rule]] = [
    ("lost", lost),
    ("overdue-receipt", overdue_receipt),
    ("import-failed", import_failed),
    ("import-partial", import_partial),
    ("unencrypted-no-exception", unencrypted_no_exception),
    ("password-not-sent", password_not_sent),
    ("password-enclosed", password_enclosed),
    ("misdelivered", misdelivered),
    ("sequence-anomaly", sequence_anomaly),
]


def findings(ev: Evidence, ctx: Basis) -> pd.DataFrame:
    """Every rule's findings that had arisen by the end of the as-of day."""
    found = [f for _, rule in RULES if not (f := rule(ev, ctx)).empty]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    out = pd.concat(found, ignore_index=True)
    out["detected_at"] = pd.to_datetime(out["detected_at"], utc=True)
    return out[out["detected_at"] < ctx.end].reset_index(drop=True)


def lookback(thresholds: Thresholds) -> timedelta:
    """How long before a period a dispatch can be and still have a finding arise in it."""
    longest = max(
        thresholds.overdue_receipt,
        thresholds.overdue_receipt_urgent,
        thresholds.password_within + 1,
    )
    # Every 5 working days span at most 7 calendar days, plus up to 4 bank holidays at once.
    return timedelta(days=longest * 7 // 5 + 7 + 4)


def partial_imports(
    conn: queries.Connection, start: datetime | None, end: datetime | None
) -> pd.DataFrame:
    """Partial-import events in a period: media_id, at."""
    rows = queries.action_events(conn, IMPORT_PARTIAL, start, end)
    frame = pd.DataFrame.from_records([(r[1], r[2]) for r in rows.rows], columns=["media_id", "at"])
    frame["at"] = times(frame["at"])
    return frame


def ir1_status(conn: queries.Connection, until: datetime | None = None) -> pd.DataFrame:
    """Per (media_id, reason): ir1_status (filed or closed), ir1_ref, closed note."""
    rows = queries.ir1_records(conn)
    df = pd.DataFrame.from_records(rows.rows, columns=list(rows.columns))
    if df.empty:
        return pd.DataFrame(columns=["media_id", "reason", "ir1_status", "ir1_ref", "ir1_note"])
    df["at"] = times(df["at"])
    if until is not None:
        df = df[df["at"] < until]
    df = df.sort_values("at", kind="stable")
    last = df.groupby(["media_id", "reason"], as_index=False).last()
    refs = (
        df[df["action"] == "ir1-filed"]
        .groupby(["media_id", "reason"], as_index=False)
        .agg(ir1_ref=("ref", "last"))
    )
    last = last.merge(refs, on=["media_id", "reason"], how="left")
    last["ir1_status"] = np.where(last["action"] == "ir1-closed", "closed", "filed")
    return last.rename(columns={"note": "ir1_note"})[
        ["media_id", "reason", "ir1_status", "ir1_ref", "ir1_note"]
    ]


def with_status(found: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Findings with their IR1 status (`to-file` where none was filed or closed)."""
    out = found.merge(status, on=["media_id", "reason"], how="left")
    out["ir1_status"] = out["ir1_status"].fillna("to-file")
    return out


def evidence(conn: queries.Connection, start: datetime, end: datetime, t: Thresholds) -> Evidence:
    """The media and events the rules need for findings arising in [start, end)."""
    media = media_frame(queries.touched_media(conn, start, end, lookback=lookback(t), patient=True))
    return Evidence(media, partial_imports(conn, start, end))


def incidents(
    ledger: Ledger,
    as_of: date,
    thresholds: Thresholds,
    *,
    since: date,
    include_closed: bool = False,
) -> pd.DataFrame:
    """`report incidents`: IR1 candidates that arose from `since` to the as-of day."""
    if since > as_of:
        raise InvalidValue(
            f"{{since}} {since.isoformat()} is after {{as_of}} {as_of.isoformat()}: "
            "give a period that starts on or before the day it ends",
            field="since",
            fields=("as_of",),
        )
    probe = basis(as_of, thresholds, [since.year])
    start = datetime.combine(since, datetime.min.time(), tzinfo=probe.end.tzinfo)
    with ledger.reading() as conn:
        ev = evidence(conn, start, probe.end, thresholds)
        status = ir1_status(conn)
    ctx = basis(as_of, thresholds, [since.year, *step_years(ev.media)])
    found = findings(ev, ctx)
    found = found[found["detected_at"] >= start]
    report = with_status(found, status)
    if not include_closed:
        report = report[report["ir1_status"] != "closed"]
    report = report.merge(ev.media, on="media_id", how="left", suffixes=("", "_m"))
    report = describe(report, ctx)
    order = {code: i for i, code in enumerate(INCIDENT_REASONS)}
    report = report.assign(_order=report["reason"].map(order))
    report = report.sort_values(["detected_at", "_order", "media_id"], kind="stable")
    return report[COLUMNS].reset_index(drop=True)


_KIND = {"cd": "CD", "dvd": "DVD", "usb": "USB stick"}
IMPACT = {
    "lost": "images unavailable to the receiving clinicians; patient data outside NHS control",
    "overdue-receipt": "delay to the patient's care while the images are not available",
    "import-failed": "images not in PACS: delay to reporting and clinical decisions",
    "import-partial": "part of the study missing from PACS: risk of an incomplete report",
    "unencrypted-no-exception": "patient data exposed if the disc is lost or misdelivered",
    "password-not-sent": "the receiver cannot open the disc: delay to care",
    "password-enclosed": "anyone holding the parcel can open the disc",
    "misdelivered": "patient data at the wrong organisation; delay to care",
    "sequence-anomaly": "the custody record does not show where the disc was: a gap in the trail",
}
HARM = {
    "lost": "low harm (delay); higher if the disc was readable by whoever holds it",
    "overdue-receipt": "no harm / low harm (delay)",
    "import-failed": "no harm / low harm (delay)",
    "import-partial": "low harm (risk of incomplete report)",
    "unencrypted-no-exception": "no harm (near miss)",
    "password-not-sent": "no harm / low harm (delay)",
    "password-enclosed": "no harm (near miss)",
    "misdelivered": "low harm (delay; data at the wrong organisation)",
    "sequence-anomaly": "no harm (records discrepancy)",
}


def _when(value: object) -> str:
    return london(value) if isinstance(value, datetime) and not pd.isna(value) else "-"


def _known(value: object) -> bool:
    return isinstance(value, datetime) and not pd.isna(value)


def _a(words: str) -> str:
    """`words` with its indefinite article."""
    return f"{'an' if words[0] in 'aeiouAEIU' else 'a'} {words}"


def _tracked(r: pd.Series) -> str:
    """The parcel's tracking reference, where one was recorded: where a trace starts."""
    ref = r.get("tracking")
    if not isinstance(ref, str) or not ref:
        return ""
    return f" It was sent by tracked delivery, reference {parse_tracking(ref).grouped}."


def what(r: pd.Series, ctx: Basis) -> str:
    """A factual description with no patient identifiers: organisations, times, steps."""
    kind = _KIND.get(str(r.get("kind")), "disc")
    enc = "encrypted" if r.get("encrypted") else "unencrypted"
    urgent = "urgent " if r.get("urgent") else ""
    route = f"sent by {r['issuer']} to {r['destination']}"
    disc = f"{_a(f'{urgent}{enc} {kind}')} {route}"
    lead = disc[0].upper() + disc[1:]  # the same words at the start of a sentence
    t = ctx.thresholds
    reason = r["reason"]
    if reason == "lost":
        sent = f", dispatched {_when(r['dispatched_at'])}," if _known(r["dispatched_at"]) else ""
        return f"{lead}{sent} was recorded lost {_when(r['lost_at'])}.{_tracked(r)}"
    if reason == "overdue-receipt":
        limit = t.overdue_receipt_urgent if r.get("urgent") else t.overdue_receipt
        got = r["received_at"]
        after = (
            f"it was received {_when(got)}."
            if _known(got) and got >= r["dispatched_at"]
            else "no receipt is recorded."
        )
        return (
            f"{lead}, dispatched {_when(r['dispatched_at'])}, was not received "
            f"within {limit} working days; {after}{_tracked(r)}"
        )
    if reason == "import-failed":
        return f"Importing {disc} into PACS failed {_when(r['import_failed_at'])}."
    if reason == "import-partial":
        return f"{lead} was imported into PACS only in part {_when(r['detected_at'])}."
    if reason == "unencrypted-no-exception":
        return (
            f"{lead}, registered {_when(r['registered_at'])}, was not encrypted "
            "and no encryption exception was recorded."
        )
    if reason == "password-not-sent":
        sent = r["password_sent_at"]
        tail = f"it was sent {_when(sent)}." if _known(sent) else "none is recorded."
        return (
            f"{lead} was dispatched {_when(r['dispatched_at'])} with no password "
            f"recorded as sent within {t.password_within} working day(s); {tail}"
        )
    if reason == "password-enclosed":
        return (
            f"The password for {disc} was put in the parcel with the disc "
            f"({_when(r['password_sent_at'])})."
        )
    if reason == "misdelivered":
        return (
            f"{lead} was received at {r['received_site']} "
            f"{_when(r['received_at'])}, not at its destination."
        )
    if reason == "sequence-anomaly":
        n = int(r.get("anomalies") or 1)
        more = f" ({n} anomalies in all)" if n > 1 else ""
        note = r.get("note") or "see the history"
        return f"The custody record of {disc} shows a scan out of order: {note}{more}."
    return INCIDENT_REASONS.get(reason, reason)


def _where(r: pd.Series) -> str:
    reason = r["reason"]
    if reason in ("lost", "overdue-receipt"):
        return f"in transit {r['issuer']} -> {r['destination']}"
    if reason in ("import-failed", "import-partial"):
        return f"{r['destination']} PACS"
    if reason == "misdelivered":
        return f"{r['received_site']} (not the destination {r['destination']})"
    return str(r["issuer"])


def breach(r: pd.Series) -> bool:
    """A lost or misdelivered disc that whoever holds it can read: a possible data breach."""
    readable = not r.get("encrypted") or r.get("password_via") == "enclosed"
    return bool(r["reason"] in EXPOSED and readable)


def describe(report: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Add the IR1 facts: what, where, who was involved, impact, data breach and ICO deadline."""
    if report.empty:
        return report.assign(
            what=[], where=[], involved=[], impact=[], data_breach=[], ico_deadline=[]
        )
    rows = report.to_dict("records")
    series = [pd.Series(r) for r in rows]
    report = report.assign(
        what=[what(r, ctx) for r in series],
        where=[_where(r) for r in series],
        involved=[f"{r['issuer']} (sender), {r['destination']} (destination)" for r in series],
        impact=report["reason"].map(IMPACT),
        data_breach=[breach(r) for r in series],
    )
    report["ico_deadline"] = report["detected_at"].where(report["data_breach"]) + ICO_DEADLINE
    return report
