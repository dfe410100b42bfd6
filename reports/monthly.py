"""`report monthly`: the month for the governance lead. Aggregates only: no patient identifiers.

The media are read without their patient columns, so none can leak into any
format of this report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from ledger import queries
from ledger.api import Ledger
from ledger.chain import head_at
from ledger.clock import LONDON
from ledger.errors import InvalidValue
from ledger.events import Action
from ledger.reasons import INCIDENT_REASONS, TRANSFER_ROUTES
from ledger.rules import EXCEPTIONS
from reports.calendar import london_days
from reports.frames import Basis, basis, london_midnight, media_frame, step_years, times
from reports.incidents import Evidence, findings, ir1_status, lookback, partial_imports, with_status
from reports.thresholds import Thresholds

TREND_MONTHS = 12
# The months a report can cover: its trend reaches 11 months back and its end a
# month on, and the working-day calendar a year either side, all within
# datetime's years 1 to 9999 (and the bank holidays' records).
FIRST_MONTH = date(1900, 1, 1)
LAST_MONTH = date(9998, 12, 1)
PARTNER_COLUMNS = [
    "partner",
    "sent",
    "received",
    "electronic",
    "imported",
    "encrypted_pct",
    "exceptions",
    "password_compliance_pct",
    "median_days_to_receipt",
    "p90_days_to_receipt",
    "median_days_to_import",
    "lost",
    "incidents",
    "ir1_filed",
]
DISC_KINDS = {"cd": "CD", "dvd": "DVD", "usb": "USB stick"}


@dataclass(frozen=True)
class Monthly:
    """Every table and figure of one month's report."""

    month: str
    home: str
    home_name: str
    generated_at: datetime
    partners: pd.DataFrame
    exceptions: pd.DataFrame
    incidents: pd.DataFrame
    routes: pd.DataFrame
    trend: pd.DataFrame
    headline: list[tuple[str, str]]
    events: int
    head: str
    thresholds: Thresholds
    # The head's signed checkpoint ("signed ... by ed25519:..."), or why it is not signed.
    signed: str = "not signed"

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Each table by its sheet name."""
        return {
            "Partners": self.partners,
            "Exceptions": self.exceptions,
            "Incidents": self.incidents,
            "Routes": self.routes,
            "Trend": self.trend,
        }


def month_start(month: str) -> date:
    """The first day of a YYYY-MM month."""
    try:
        start = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidValue(
            f"{{month}} {month!r} is not a month like 2025-12", field="month"
        ) from None
    if not FIRST_MONTH <= start <= LAST_MONTH:
        raise InvalidValue(
            f"{{month}} {month!r} is out of range: give a month from "
            f"{FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}",
            field="month",
        )
    return start


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _between(values: pd.Series, start: datetime, end: datetime) -> pd.Series:
    return values.notna() & (values >= start) & (values < end)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else np.nan


def _quantile(values: pd.Series, q: float) -> float:
    return round(float(values.quantile(q)), 1) if len(values) else np.nan


def _working_days(ctx: Basis, since: pd.Series, until: pd.Series) -> pd.Series:
    """Working days from each `since` to each `until` (the counting rule of reports.calendar)."""
    days = ctx.calendar.elapsed(london_days(since), london_days(until))
    return pd.Series(days, index=since.index)


@dataclass(frozen=True)
class _Period:
    start: datetime
    end: datetime


def _figures(
    m: pd.DataFrame, found: pd.DataFrame, electronic: int, p: _Period, ctx: Basis
) -> dict[str, float]:
    """One row of the partner table, over the media given (one partner's, or everyone's)."""
    sent = m[m["ours"] & _between(m["dispatched_at"], p.start, p.end)]
    received = m[~m["ours"] & _between(m["received_at"], p.start, p.end)]
    moved = pd.concat([sent, received])
    encrypted = sent[sent["encrypted"]]
    on_time = encrypted["password_sent_at"].notna() & (encrypted["password_via"] != "enclosed")
    waited = _working_days(ctx, encrypted["dispatched_at"], encrypted["password_sent_at"])
    on_time &= waited <= ctx.thresholds.password_within
    arrived = m[_between(m["received_at"], p.start, p.end) & m["dispatched_at"].notna()]
    arrived = arrived[arrived["received_at"] >= arrived["dispatched_at"]]
    transit = _working_days(ctx, arrived["dispatched_at"], arrived["received_at"])
    imported = m[_between(m["imported_at"], p.start, p.end)]
    with_receipt = imported[imported["received_at"].notna()]
    to_import = _working_days(ctx, with_receipt["received_at"], with_receipt["imported_at"])
    return {
        "sent": len(sent),
        "received": len(received),
        "electronic": electronic,
        "imported": len(imported),
        "encrypted_pct": _pct(moved["encrypted"].sum(), len(moved)),
        "exceptions": int((~moved["encrypted"] & moved["exception"].notna()).sum()),
        "password_compliance_pct": _pct(on_time.sum(), len(encrypted)),
        "median_days_to_receipt": _quantile(transit, 0.5),
        "p90_days_to_receipt": _quantile(transit, 0.9),
        "median_days_to_import": _quantile(to_import, 0.5),
        "lost": int(_between(m["lost_at"], p.start, p.end).sum()),
        "incidents": len(found),
        "ir1_filed": int(found["ir1_ref"].notna().sum()) if len(found) else 0,
    }


def _partner_table(
    m: pd.DataFrame,
    found: pd.DataFrame,
    electronic: pd.Series,
    names: dict[str, str],
    home: str,
    p: _Period,
    ctx: Basis,
) -> pd.DataFrame:
    codes = sorted((set(names) - {home}) | set(m["partner"].dropna()) | set(electronic.index))
    by_partner = dict(tuple(m.groupby("partner")))
    found_by = dict(tuple(found.groupby("partner"))) if len(found) else {}
    empty_m, empty_f = m.iloc[0:0], found.iloc[0:0]
    rows = []
    for code in codes:
        label = f"{code} {names.get(code, '(not in this ledger)')}"
        figures = _figures(
            by_partner.get(code, empty_m),
            found_by.get(code, empty_f),
            int(electronic.get(code, 0)),
            p,
            ctx,
        )
        rows.append({"partner": label, **figures})
    total = _figures(m, found, int(electronic.sum()), p, ctx)
    rows.append({"partner": "Total", **total})
    return pd.DataFrame(rows, columns=PARTNER_COLUMNS)


def _exceptions_table(m: pd.DataFrame, p: _Period) -> pd.DataFrame:
    sent = m["ours"] & _between(m["dispatched_at"], p.start, p.end)
    received = ~m["ours"] & _between(m["received_at"], p.start, p.end)
    moved = m[(sent | received) & ~m["encrypted"]]
    counts = moved["exception"].fillna("none recorded").value_counts()
    labels = {**EXCEPTIONS, "none recorded": "NO EXCEPTION RECORDED (an incident)"}
    rows = [
        {"exception": code, "meaning": labels[code], "media": int(counts.get(code, 0))}
        for code in labels
    ]
    return pd.DataFrame(rows, columns=["exception", "meaning", "media"])


def _incidents_table(found: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for code, meaning in INCIDENT_REASONS.items():
        mine = found[found["reason"] == code] if len(found) else found
        status = mine["ir1_status"] if len(mine) else pd.Series(dtype=object)
        rows.append(
            {
                "reason": code,
                "meaning": meaning,
                "found": len(mine),
                "ir1_filed": int((status == "filed").sum()),
                "ir1_closed": int((status == "closed").sum()),
                "to_file": int((status == "to-file").sum()),
            }
        )
    return pd.DataFrame(rows)


def _routes_table(m: pd.DataFrame, transfers: pd.DataFrame, p: _Period) -> pd.DataFrame:
    sent = m[m["ours"] & _between(m["dispatched_at"], p.start, p.end)]
    counts = {
        **{label: int((sent["kind"] == kind).sum()) for kind, label in DISC_KINDS.items()},
        **{
            label: int((transfers["route"] == route).sum())
            for route, label in TRANSFER_ROUTES.items()
        },
    }
    total = sum(counts.values())
    electronic = set(TRANSFER_ROUTES.values())
    rows = [
        {
            "route": label,
            "electronic": label in electronic,
            "transfers": n,
            "share_pct": _pct(n, total),
        }
        for label, n in counts.items()
    ]
    return pd.DataFrame(rows, columns=["route", "electronic", "transfers", "share_pct"])


def _months_of(hours: pd.Series) -> pd.Series:
    """UTC hours (`YYYY-MM-DDTHH`) as London months (`YYYY-MM`): offsets are whole hours."""
    utc = pd.to_datetime(hours, format="%Y-%m-%dT%H", utc=True)
    return utc.dt.tz_convert(LONDON).dt.strftime("%Y-%m")


def _trend(conn: queries.Connection, home: str, months: list[date]) -> pd.DataFrame:
    """Month by month: discs sent, electronic transfers, encryption, discs lost.

    Counted in the database by hour, so a year of a large ledger costs one pass.
    """
    start, end = london_midnight(months[0]), london_midnight(_add_months(months[-1], 1))
    found = queries.hourly_media(conn, start, end)
    h = pd.DataFrame.from_records(found.rows, columns=list(found.columns))
    h["encrypted"] = h["encrypted"].astype(bool)
    sent = h[h["dispatched_hour"].notna() & (h["issuer"] == home)]
    sent = sent.assign(month=_months_of(sent["dispatched_hour"]))
    lost = h[h["lost_hour"].notna()]
    lost = lost.assign(month=_months_of(lost["lost_hour"]))
    events = queries.hourly_events(conn, Action.TRANSFER, start, end)
    e = pd.DataFrame.from_records(events.rows, columns=list(events.columns))
    e = e.assign(month=_months_of(e["hour"]))
    by = {
        "sent_on_disc": sent.groupby("month")["media"].sum(),
        "encrypted": sent[sent["encrypted"]].groupby("month")["media"].sum(),
        "electronic": e.groupby("month")["events"].sum(),
        "lost": lost.groupby("month")["media"].sum(),
    }
    rows = []
    for first in months:
        key = first.strftime("%Y-%m")
        n = {name: int(series.get(key, 0)) for name, series in by.items()}
        rows.append(
            {
                "month": key,
                "sent_on_disc": n["sent_on_disc"],
                "electronic": n["electronic"],
                "electronic_pct": _pct(n["electronic"], n["electronic"] + n["sent_on_disc"]),
                "encrypted_pct": _pct(n["encrypted"], n["sent_on_disc"]),
                "lost": n["lost"],
            }
        )
    trend = pd.DataFrame(rows)
    # Leading months with nothing at all are before the ledger began, not months of no work.
    active = trend[["sent_on_disc", "electronic", "lost"]].sum(axis=1) > 0
    if not active.any():
        return trend.iloc[-1:].reset_index(drop=True)
    return trend[active.cummax()].reset_index(drop=True)


def _transfers(conn: queries.Connection, start: datetime, end: datetime) -> pd.DataFrame:
    """Electronic transfers in a period, with destination and route."""
    found = queries.transfers(conn, start, end)
    frame = pd.DataFrame.from_records(found.rows, columns=list(found.columns))
    frame["at"] = times(frame["at"])
    return frame


def monthly(ledger: Ledger, month: str, thresholds: Thresholds) -> Monthly:
    """Build the month's report (the 12-month trend ends with it)."""
    now = ledger.clock().astimezone(LONDON)
    with ledger.reading() as conn:
        return _monthly(conn, now, month, thresholds)


def _monthly(
    conn: queries.Connection, now: datetime, month: str, thresholds: Thresholds
) -> Monthly:
    first = month_start(month)
    months = [_add_months(first, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    start, end = london_midnight(first), london_midnight(_add_months(first, 1))
    # A month still in progress is reported as of today.
    today = now.date()
    home = queries.home_code(conn)
    names = queries.organisation_names(conn)

    m = media_frame(queries.touched_media(conn, start, end, lookback=lookback(thresholds)))
    as_of = min(end.date() - timedelta(days=1), today)
    ctx = basis(as_of, thresholds, [months[0].year, *step_years(m)])
    m["ours"] = m["issuer"] == home
    m["partner"] = m["destination"].where(m["ours"], m["issuer"])
    ev = Evidence(m, partial_imports(conn, start, end))
    found = with_status(findings(ev, ctx), ir1_status(conn))
    found = found.merge(m[["media_id", "partner"]], on="media_id", how="left")
    this_month = found[_between(found["detected_at"], start, end)] if len(found) else found
    p = _Period(start, end)
    electronic = _transfers(conn, start, end)
    partners = _partner_table(
        m, this_month, electronic["destination"].value_counts(), names, home, p, ctx
    )
    routes = _routes_table(m, electronic, p)
    events, head = head_at(conn, end)
    total = partners.iloc[-1]
    disc = int(total["sent"])
    e_count = int(total["electronic"])
    headline = [
        ("Discs sent", f"{disc:,}"),
        ("Discs received", f"{int(total['received']):,}"),
        ("Imported", f"{int(total['imported']):,}"),
        ("Encrypted", _show_pct(total["encrypted_pct"])),
        ("Password sent separately, on time", _show_pct(total["password_compliance_pct"])),
        ("Median working days to receipt", _show_num(total["median_days_to_receipt"])),
        ("Lost", f"{int(total['lost']):,}"),
        ("Incidents / IR1 filed", f"{int(total['incidents']):,} / {int(total['ir1_filed']):,}"),
        ("Sent electronically", _show_pct(_pct(e_count, e_count + disc))),
    ]
    return Monthly(
        month=first.strftime("%Y-%m"),
        home=home,
        home_name=names.get(home, home),
        generated_at=now,
        partners=partners,
        exceptions=_exceptions_table(m, p),
        incidents=_incidents_table(this_month),
        routes=routes,
        trend=_trend(conn, home, months),
        headline=headline,
        events=events,
        head=head,
        thresholds=thresholds,
    )


def _show_pct(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1f}%"


def _show_num(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:g}"
