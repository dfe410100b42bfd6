"""The demo's reports: electronic transfers and IR1 filings added, then every report written."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ledger.api import Ledger
from ledger.clock import LONDON
from ledger.files import write_private
from reports.incidents import SUMMARY_COLUMNS, incidents
from reports.ir1 import draft, draft_text
from reports.monthly import monthly
from reports.monthly_html import monthly_html
from reports.output import html_page, write_xlsx
from reports.thresholds import Thresholds
from reports.unreconciled import unreconciled

ROUTES = ["iep"] * 12 + ["dicom-push"] * 5 + ["nhsmail"] * 2 + ["web-link"]


@dataclass(frozen=True)
class DemoReports:
    """What the demo added for the reports, and the files it wrote."""

    transfers: int
    ir1_filed: int
    ir1_closed: int
    files: list[Path]


def add_examples(ledger: Ledger, clock: list[datetime], *, seed: int = 6) -> tuple[int, int, int]:
    """Electronic transfers over the demo's months, and IR1s filed (one closed) for losses."""
    rng = random.Random(seed)
    now = clock[0]
    partners = [o.code for o in ledger.organisations() if not o.home]
    moments = sorted(now - timedelta(days=rng.uniform(1, 92)) for _ in range(140))
    transfers = 0
    for moment in moments:
        local = moment.astimezone(LONDON)
        if local.weekday() >= 5:
            continue
        at = local.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59))
        if at >= now:
            continue
        clock[0] = at
        ledger.transfer(rng.choice(partners), route=rng.choice(ROUTES), operator="a.patel", at=at)
        transfers += 1
    clock[0] = now
    today = now.astimezone(LONDON).date()
    found = incidents(ledger, today, Thresholds(), since=today - timedelta(days=120))
    serious = found[found["reason"].isin(["lost", "misdelivered"])]
    filed = closed = 0
    pairs = zip(serious["media_id"].astype(str), serious["reason"].astype(str), strict=True)
    for i, (media_id, reason) in enumerate(pairs):
        ref = f"W{240117 + 37 * i}"
        ledger.ir1_filed(media_id, reason=reason, ref=ref, operator="gov.lead")
        filed += 1
        if i == 0:
            ledger.ir1_closed(
                media_id,
                reason=reason,
                note="reviewed at the safety huddle: encrypted, password sent separately; no harm",
                operator="gov.lead",
            )
            closed += 1
    return transfers, filed, closed


def write_reports(ledger: Ledger, directory: Path) -> list[Path]:
    """Unreconciled and incidents (HTML), last month's report (HTML and xlsx), one IR1 draft."""
    thresholds = Thresholds()
    today = ledger.clock().astimezone(LONDON).date()
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    files = []
    u = unreconciled(ledger, today, thresholds)
    path = directory / "unreconciled.html"
    write_private(path, html_page("Unreconciled media", f"as of {today}", u))
    files.append(path)
    since = today - timedelta(days=90)
    found = incidents(ledger, today, thresholds, since=since)
    path = directory / "incidents.html"
    subtitle = f"open IR1 candidates from {since} to {today}"
    page = html_page("IR1 incident candidates", subtitle, found[SUMMARY_COLUMNS])
    write_private(path, page)
    files.append(path)
    report = monthly(ledger, month, thresholds)
    path = directory / f"monthly-{month}.html"
    write_private(path, monthly_html(report))
    files.append(path)
    path = directory / f"monthly-{month}.xlsx"
    write_xlsx(report.tables, path)
    files.append(path)
    lost = found[found["reason"] == "lost"]
    if len(lost):
        path = directory / "ir1-draft.txt"
        d = draft(ledger, str(lost.iloc[-1]["media_id"]), thresholds, reason="lost")
        write_private(path, draft_text(d))
        files.append(path)
    return files
