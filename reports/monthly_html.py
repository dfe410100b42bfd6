"""The monthly report as one self-contained HTML file that prints on A4."""

from __future__ import annotations

import html
from dataclasses import asdict
from datetime import datetime

import pandas as pd

from ledger.clock import london
from reports.charts import incidents_chart, trend_chart, turnaround_chart
from reports.monthly import Monthly
from reports.output import html_table

_CSS = """
@page { size: A4 portrait; margin: 12mm 11mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.5pt; color: #212b32;
       margin: 0 auto; max-width: 186mm; }
header { border-bottom: 2pt solid #005eb8; padding-bottom: 4pt; margin-bottom: 8pt; }
h1 { font-size: 16pt; margin: 0; color: #005eb8; }
h2 { font-size: 11pt; margin: 12pt 0 4pt; color: #005eb8; break-after: avoid; }
p { margin: 2pt 0 4pt; }
.sub { color: #4c6272; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4pt; }
.tile { border: 0.75pt solid #aeb7bd; border-left: 3pt solid #005eb8; padding: 4pt 6pt; }
.tile .v { font-size: 15pt; font-weight: bold; }
.tile .k { color: #4c6272; }
figure { margin: 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; break-inside: auto; }
th, td { border: 0.5pt solid #aeb7bd; padding: 1.5pt 3pt; text-align: left; vertical-align: top; }
th { background: #e8edee; font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.partners { table-layout: fixed; font-size: 7pt; }
table.partners th { font-size: 6.5pt; }
table.partners th:first-child { width: 38mm; }
tbody tr:last-child td { font-weight: bold; }
table.plain tbody tr:last-child td { font-weight: normal; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
section { break-inside: auto; }
.keep { break-inside: avoid; }
.digest { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
.notes { color: #4c6272; font-size: 7.5pt; }
.pagebreak { break-before: page; }
"""

# Shorter headers so 14 columns fit the width of A4 portrait.
_PARTNER_HEADERS = {
    "partner": "partner",
    "sent": "sent",
    "received": "recd",
    "electronic": "elec-tronic",
    "imported": "im-ported",
    "encrypted_pct": "encr. %",
    "exceptions": "excep-tions",
    "password_compliance_pct": "pass-word on time %",
    "median_days_to_receipt": "median days to receipt",
    "p90_days_to_receipt": "p90 days to receipt",
    "median_days_to_import": "median days to import",
    "lost": "lost",
    "incidents": "inci-dents",
    "ir1_filed": "IR1 filed",
}


def monthly_html(report: Monthly) -> str:
    """The whole report: headline figures, trend, partners, turnaround, incidents, integrity."""
    e = html.escape
    month_name = datetime.strptime(report.month, "%Y-%m").strftime("%B %Y")
    body = (
        _header_and_headline(report, month_name)
        + _trend_and_partners(report)
        + _turnaround_incidents_routes(report)
        + _integrity(report, month_name)
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Monthly governance report {e(report.month)}</title>"
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def _header_and_headline(report: Monthly, month_name: str) -> str:
    """The title, who the report is for and when it was made, and the headline tiles."""
    e = html.escape
    tiles = "".join(
        f"<div class='tile'><div class='v'>{e(v)}</div><div class='k'>{e(k)}</div></div>"
        for k, v in report.headline
    )
    return f"""
<header>
  <h1>Imaging media custody: monthly governance report, {e(month_name)}</h1>
  <p class="sub">{e(report.home)} {e(report.home_name)}. Generated {e(london(report.generated_at))}
  (Europe/London). Aggregate figures only: this report contains no patient identifiers.</p>
</header>
<section class="keep">
  <h2>Headline figures for {e(month_name)}</h2>
  <div class="tiles">{tiles}</div>
</section>
"""


def _trend_and_partners(report: Monthly) -> str:
    """The 12-month trend chart and the table by partner organisation, with its notes."""
    partners = html_table(report.partners.rename(columns=_PARTNER_HEADERS)).replace(
        "<table>", "<table class='partners'>", 1
    )
    return f"""<section class="keep">
  <h2>Trend over the last 12 months</h2>
  <p class="notes">Discs sent and electronic transfers per month (bars), discs lost (line).
  Leading months with no activity at all (before the ledger began) are left out.</p>
  <figure>{trend_chart(report.trend)}</figure>
</section>
<section>
  <h2>By partner organisation</h2>
  {partners}
  <p class="notes">Sent: our media dispatched to the partner in the month. Received: media from
  the partner received in the month. Electronic: transfers by IEP, DICOM push, web link or
  NHSmail. Encrypted % and exceptions: over media sent and received. Password on time: encrypted
  media sent whose password went separately (not in the parcel) within
  {report.thresholds.password_within} working day(s) of dispatch. Days are working days
  (weekends and England and Wales bank holidays excluded), counted after the day of the first
  step up to and including the day of the second. Incidents: IR1 candidates that arose in the
  month; IR1 filed: those with a risk-system reference.</p>
</section>
"""


def _turnaround_incidents_routes(report: Monthly) -> str:
    """Turnaround by partner, incidents by reason, encryption exceptions, transfers by route."""
    return f"""<section class="keep">
  <h2>Turnaround by partner</h2>
  <figure>{turnaround_chart(report.partners)}</figure>
</section>
<section>
  <h2>Incidents by reason</h2>
  <figure>{incidents_chart(report.incidents)}</figure>
  {_plain_table(report.incidents)}
</section>
<section class="keep">
  <h2>Encryption exceptions</h2>
  {_plain_table(report.exceptions)}
</section>
<section class="keep">
  <h2>Transfers by route</h2>
  <p>The guidance prefers electronic routes (DICOM push links, remote access, NHSmail); in
  England the Image Exchange Portal (IEP) links every acute trust.</p>
  {_plain_table(report.routes)}
</section>
"""


def _integrity(report: Monthly, month_name: str) -> str:
    """The ledger's head digest at the end of the month, how to check it, and the thresholds."""
    e = html.escape
    thresholds = ", ".join(
        f"{k.replace('_', '-')} {v}" for k, v in asdict(report.thresholds).items()
    )
    return f"""<section class="keep">
  <h2>Ledger integrity at the end of {e(month_name)}</h2>
  <p>{report.events:,} events recorded by the end of the month. Head digest (SHA-256 of the
  hash chain's last event):</p>
  <p class="digest">{e(report.head)}@{report.events}</p>
  <p class="notes">{e(report.signed)}</p>
  <p class="notes">`custody verify --expect {e(report.head)}@{report.events}` fails if any
  event up to this point was later changed, removed or inserted, whatever was recomputed.
  Thresholds in working days: {e(thresholds)}.</p>
</section>
"""


def _plain_table(df: pd.DataFrame) -> str:
    """A table whose last row is not a total, with headers in words."""
    words = {c: c.replace("_pct", " %").replace("_", " ") for c in df.columns}
    return html_table(df.rename(columns=words)).replace("<table>", "<table class='plain'>", 1)
