"""`report unreconciled`: the media that are outstanding past their reminder threshold.

Each reason is a rule: a function from the open media to its findings. A
medium gets the first reason in RULES that flags it, so one row per medium.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from ledger import queries
from ledger.api import Ledger
from ledger.reasons import UNRECONCILED_REASONS
from ledger.transitions import Status
from reports.calendar import london_days
from reports.frames import Basis, basis, media_frame, step_years
from reports.thresholds import Thresholds

Rule = Callable[[pd.DataFrame, Basis], pd.DataFrame]
COLUMNS = [
    "media_id",
    "reason",
    "status",
    "since",
    "working_days",
    "destination",
    "urgent",
    "nhs_number",
    "accession",
    "study_uid",
    "tracking",
]


def _findings(
    media: pd.DataFrame,
    ctx: Basis,
    reason: str,
    since: str,
    limit: int | None,
    urgent_limit: int | None = None,
) -> pd.DataFrame:
    """The media whose wait since `since` has reached its limit in working days (None: any)."""
    media = media[media[since].notna() & (media[since] < ctx.end)]
    days = ctx.calendar.elapsed(london_days(media[since]), ctx.as_of_day)
    if limit is not None:
        urgent = limit if urgent_limit is None else urgent_limit
        limits = np.where(media["urgent"].to_numpy(), urgent, limit)
        keep = days >= limits
        media, days = media[keep], days[keep]
    return pd.DataFrame(
        {
            "media_id": media["media_id"],
            "reason": reason,
            "since": media[since],
            "working_days": days,
        }
    )


def _ours(media: pd.DataFrame, status: Status) -> pd.DataFrame:
    """Media this ledger registered (not announced by a partner, not unexpected) in `status`."""
    mine = media["registered"] & ~media["expected"] & ~media["unexpected"]
    return media[mine & (media["status"] == status)]


def _here(media: pd.DataFrame, status: Status) -> pd.DataFrame:
    """Every medium in `status` here: ours, announced by a partner, or an unexpected arrival."""
    return media[media["status"] == status]


def unexpected_arrival(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Received here but never registered or expected (a late manifest does not undo that).

    Flagged at once, and only while it is waiting at the receiving desk
    (status `received`): that is where it must be followed up with its sender.
    Once it has been handed to the PACS team it is a disc like any other there,
    so it shows as `not-imported` (past that threshold) or `import-failed`:
    the PACS team's outstanding step, which the status column also shows.
    """
    rows = media[
        (media["unexpected"] | ~media["registered"]) & (media["status"] == Status.RECEIVED)
    ]
    return _findings(rows, ctx, "unexpected-arrival", "received_at", None)


def handover_unacknowledged(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Handed to the patient unencrypted, and no signed acknowledgement recorded (any status).

    Counted from the registration, where the exception was recorded; it clears when
    `custody handover` records the signature.
    """
    rows = media[(media["exception"] == "patient-handover") & media["acknowledged_at"].isna()]
    return _findings(
        rows,
        ctx,
        "handover-unacknowledged",
        "registered_at",
        ctx.thresholds.handover_unacknowledged,
    )


def expected_not_arrived(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Announced by a partner's manifest as dispatched to us, not received (receipt thresholds)."""
    t = ctx.thresholds
    rows = media[media["expected"] & (media["status"] == Status.DISPATCHED)]
    return _findings(
        rows, ctx, "expected-not-arrived", "dispatched_at", t.not_received, t.not_received_urgent
    )


def not_dispatched(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Registered, not dispatched."""
    rows = _ours(media, Status.REGISTERED)
    return _findings(rows, ctx, "not-dispatched", "registered_at", ctx.thresholds.not_dispatched)


def not_received(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Dispatched, no receipt (sooner for urgent media)."""
    t = ctx.thresholds
    rows = _ours(media, Status.DISPATCHED)
    return _findings(
        rows, ctx, "not-received", "dispatched_at", t.not_received, t.not_received_urgent
    )


def not_sent_to_pacs(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Received, not handed to the PACS team (any disc here: ours, expected or unexpected).

    An unexpected arrival in this status is flagged `unexpected-arrival` first.
    """
    rows = _here(media, Status.RECEIVED)
    return _findings(rows, ctx, "not-sent-to-pacs", "received_at", ctx.thresholds.not_sent_to_pacs)


def not_imported(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """With the PACS team, not imported (sooner for urgent media; any disc here)."""
    t = ctx.thresholds
    rows = _here(media, Status.WITH_PACS)
    return _findings(rows, ctx, "not-imported", "to_pacs_at", t.not_imported, t.not_imported_urgent)


def import_failed(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """The latest import attempt failed (any disc here)."""
    rows = _here(media, Status.IMPORT_FAILED)
    return _findings(rows, ctx, "import-failed", "import_failed_at", None)


RULES: list[tuple[str, Rule]] = [
    ("unexpected-arrival", unexpected_arrival),
    ("handover-unacknowledged", handover_unacknowledged),
    ("not-dispatched", not_dispatched),
    ("expected-not-arrived", expected_not_arrived),
    ("not-received", not_received),
    ("not-sent-to-pacs", not_sent_to_pacs),
    ("not-imported", not_imported),
    ("import-failed", import_failed),
]


def flag(media: pd.DataFrame, ctx: Basis) -> pd.DataFrame:
    """Every rule's findings, one row per medium (the first rule in RULES wins)."""
    found = [rule(media, ctx) for _, rule in RULES]
    findings = pd.concat([f for f in found if not f.empty] or [found[0]], ignore_index=True)
    return findings.drop_duplicates("media_id", keep="first")


# The threshold each reason is flagged at: (setting, setting for an urgent medium); None: at once.
LIMITS: dict[str, tuple[str, str] | None] = {
    "unexpected-arrival": None,
    "handover-unacknowledged": ("handover_unacknowledged", "handover_unacknowledged"),
    "not-dispatched": ("not_dispatched", "not_dispatched"),
    "expected-not-arrived": ("not_received", "not_received_urgent"),
    "not-received": ("not_received", "not_received_urgent"),
    "not-sent-to-pacs": ("not_sent_to_pacs", "not_sent_to_pacs"),
    "not-imported": ("not_imported", "not_imported_urgent"),
    "import-failed": None,
}


def limit(reason: str, urgent: bool, thresholds: Thresholds) -> int | None:
    """The working days after which `reason` flags a medium (None: flagged at once)."""
    names = LIMITS[reason]
    if names is None:
        return None
    value: int = getattr(thresholds, names[1] if urgent else names[0])
    return value


def worklist(
    ledger: Ledger, as_of: date, thresholds: Thresholds, media_ids: set[str] | None = None
) -> pd.DataFrame:
    """The unreconciled report with what the PACS desk's list also shows: each medium's
    partner (its destination if we sent it, else its sender) and the threshold it passed.

    With `media_ids`, the rows of those media only (each medium's findings depend on it
    alone, so a list can be brought up to date by recomputing the media that changed).
    """
    with ledger.reading() as conn:
        rows = (
            queries.open_media(conn, patient=True)
            if media_ids is None
            else queries.media_rows(conn, media_ids, patient=True)
        )
        home = queries.home_code(conn)
    media = media_frame(rows)
    ctx = basis(as_of, thresholds, step_years(media))
    findings = flag(media, ctx)
    facts = media[
        [
            "media_id",
            "status",
            "issuer",
            "destination",
            "urgent",
            *queries.PATIENT_COLUMNS,
            "tracking",
        ]
    ]
    report = findings.merge(facts, on="media_id", how="left")
    report["partner"] = report["destination"].where(report["issuer"] == home, report["issuer"])
    report["threshold"] = [
        limit(r, bool(u), thresholds)
        for r, u in zip(report["reason"], report["urgent"], strict=True)
    ]
    return in_order(report)


def in_order(report: pd.DataFrame) -> pd.DataFrame:
    """Rows by reason (in UNRECONCILED_REASONS order), oldest step first, then media ID."""
    order = {code: i for i, code in enumerate(UNRECONCILED_REASONS)}
    report = report.assign(_order=report["reason"].map(order))
    report = report.sort_values(["_order", "since", "media_id"], kind="stable")
    return report.drop(columns="_order").reset_index(drop=True)


def unreconciled(ledger: Ledger, as_of: date, thresholds: Thresholds) -> pd.DataFrame:
    """`report unreconciled`: outstanding media, oldest first within each reason."""
    return worklist(ledger, as_of, thresholds)[COLUMNS]
