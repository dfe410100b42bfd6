"""The back office's calls into the library: the PACS desk, governance and administration.

As in web.library, nothing here decides a rule: the worklist is `report unreconciled`
(reports.unreconciled), incidents are `report incidents` and `ir1 draft` (reports.incidents,
reports.ir1), the dashboard is `report monthly`, a step is recorded by `Ledger.scan`, a PACS
check is `custody pacs verify`'s `check_imports`. This module filters, sorts and shapes their
answers for a page, and keeps patient identifiers off the pages that may not show them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pandas as pd

from ledger import queries
from ledger.accounts import Accounts
from ledger.api import Ledger
from ledger.clock import LONDON, from_text, london
from ledger.errors import CustodyError, InvalidValue
from ledger.ids import parse_media_id
from ledger.reasons import INCIDENT_REASONS, UNRECONCILED_REASONS
from ledger.transitions import TRANSITIONS, Status
from reports.thresholds import Thresholds, load_thresholds

# The steps the PACS desk records from its worklist.
DESK_STEPS = ("to-pacs", "imported", "import-failed")
SORTS = {
    "reason": "reason, oldest first",
    "age": "longest wait first",
    "since": "oldest step first",
    "partner": "partner",
    "media": "media ID",
}
URGENCIES = ("urgent", "routine")
# A page shows at most this many rows; the counts still cover every one.
PAGE_ROWS = 200
CHECK_BATCH = 25

T = TypeVar("T")


@dataclass
class Settings:
    """Where the server's files are: thresholds, the PACS connection, reminders' links."""

    thresholds: Path
    pacs: Path
    base_url: str = "http://127.0.0.1:8000"

    def load_thresholds(self) -> Thresholds:
        """The thresholds in force (the file's, over the defaults)."""
        return load_thresholds(self.thresholds)


# A report that takes longer than this to build is refreshed in the background when the
# ledger changes, and its last answer shown meanwhile (the page says when it was computed).
SLOW_BUILD_SECONDS = 1.0
# More media changed than this since the worklist was built: build it again from scratch.
MAX_DELTA_MEDIA = 5000


class Worklist(NamedTuple):
    """The worklist's rows, with its counts per reason and its partners (computed once)."""

    frame: pd.DataFrame
    counts: dict[str, int]
    partners: list[str]


@dataclass
class _Entry:
    head: tuple[int, str]
    value: Any
    seconds: float
    refreshing: bool = False


@dataclass
class ReportCache:
    """The reports' last answers, so that a page over a large ledger answers at once.

    Two ways of staying current. The worklist is brought up to date on every visit: the media
    with an event since it was built are recomputed and spliced in (each medium's findings
    depend on it alone), so an outcome shows at once. Other reports are kept while the
    ledger's head is unchanged; after a change, a quick one is built again at once, and a
    slow one (over 1 s) is rebuilt in the background while its last answer is shown.
    """

    entries: dict[Hashable, _Entry] = field(default_factory=dict)
    live: dict[Hashable, tuple[int, Worklist]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, ledger: Ledger, key: Hashable, build: Callable[[], T]) -> T:
        """The answer for `key`: cached at this head, or stale while a rebuild runs, or new."""
        with ledger.reading() as conn:
            head = queries.head(conn)
        with self.lock:
            found = self.entries.get(key)
            if found is not None and found.head != head and found.seconds > SLOW_BUILD_SECONDS:
                if not found.refreshing:
                    found.refreshing = True
                    threading.Thread(
                        target=self._rebuild, args=(ledger, key, build), daemon=True
                    ).start()
                value: T = found.value
                return value
        if found is not None and found.head == head:
            kept: T = found.value
            return kept
        return self._rebuild(ledger, key, build)

    def _rebuild(self, ledger: Ledger, key: Hashable, build: Callable[[], T]) -> T:
        with ledger.reading() as conn:
            head = queries.head(conn)
        started = time.perf_counter()
        try:
            value = build()
        except Exception:
            with self.lock:
                if key in self.entries:
                    self.entries[key].refreshing = False
            raise
        with self.lock:
            self.entries[key] = _Entry(head, value, time.perf_counter() - started)
            while len(self.entries) > 64:
                self.entries.pop(next(iter(self.entries)))
        return value

    def worklist(self, ledger: Ledger, as_of: date, thresholds: Thresholds) -> Worklist:
        """The unreconciled worklist, brought up to date by the media changed since."""
        from reports.unreconciled import in_order
        from reports.unreconciled import worklist as build

        key = (as_of, thresholds)
        with self.lock:
            found = self.live.get(key)
        with ledger.reading() as conn:
            seq, changed = queries.changes_since(conn, found[0] if found else None)
        if found is not None and changed == set():
            return found[1]
        if found is not None and changed is not None and len(changed) <= MAX_DELTA_MEDIA:
            kept = found[1].frame[~found[1].frame["media_id"].isin(changed)]
            delta = build(ledger, as_of, thresholds, changed)
            frame = in_order(pd.concat([kept, delta], ignore_index=True) if len(delta) else kept)
        else:
            frame = build(ledger, as_of, thresholds)
        counts = frame["reason"].value_counts()
        made = Worklist(
            frame,
            {code: int(counts.get(code, 0)) for code in UNRECONCILED_REASONS},
            sorted(str(p) for p in frame["partner"].dropna().unique()),
        )
        with self.lock:
            self.live[key] = (seq, made)
            while len(self.live) > 8:
                self.live.pop(next(iter(self.live)))
        return made


def default_settings() -> Settings:
    """Where the CLI keeps them: $CUSTODY_THRESHOLDS or ~/.config/custody/thresholds.toml, and
    ~/.config/custody/pacs.toml; links in e-mails to $CUSTODY_BASE_URL."""
    import os

    from pacs.connection import config_path
    from reports.thresholds import thresholds_path

    base = os.environ.get("CUSTODY_BASE_URL", "http://127.0.0.1:8000")
    return Settings(thresholds_path(), config_path(), base.rstrip("/"))


def warm(ledger: Ledger, settings: Settings, cache: ReportCache) -> None:
    """Build the worklist and the dashboard once, so the first visitor does not wait for them
    (run in a thread by `custody serve`; a problem here shows again on the page itself)."""
    try:
        thresholds = settings.load_thresholds()
        cache.worklist(ledger, today(ledger), thresholds)
        governance(ledger, settings, cache)
    except CustodyError:
        return


def today(ledger: Ledger) -> date:
    """Today in London, by the ledger's clock."""
    return ledger.clock().astimezone(LONDON).date()


def _day(text: str | None, ledger: Ledger) -> date:
    if not text:
        return today(ledger)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(f"as of {text!r} is not a day (use YYYY-MM-DD)") from None


def _when(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return london(value) if isinstance(value, datetime) else str(value)


# -- the worklist ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistQuery:
    """What the PACS desk asked the list for."""

    reason: str = ""
    partner: str = ""
    urgency: str = ""
    min_days: int | None = None
    sort: str = "reason"
    as_of: str = ""

    @classmethod
    def from_params(cls, params: Any) -> WorklistQuery:
        """From the page's query string; unknown values are refused in one line."""
        reason = params.get("reason", "")
        if reason and reason not in UNRECONCILED_REASONS:
            raise InvalidValue(f"{reason!r} is not a worklist reason")
        urgency = params.get("urgency", "")
        if urgency and urgency not in URGENCIES:
            raise InvalidValue(f"urgency {urgency!r}: urgent or routine")
        sort = params.get("sort", "reason") or "reason"
        if sort not in SORTS:
            raise InvalidValue(f"sort {sort!r}: {', '.join(SORTS)}")
        days = params.get("min_days", "").strip()
        if days and (not days.isdigit() or len(days) > 5):
            raise InvalidValue(f"age {days!r}: a whole number of working days")
        return cls(
            reason,
            params.get("partner", "").strip().upper(),
            urgency,
            int(days) if days else None,
            sort,
            params.get("as_of", "").strip(),
        )


def worklist(
    ledger: Ledger, settings: Settings, cache: ReportCache, query: WorklistQuery
) -> dict[str, Any]:
    """The unreconciled report for the PACS desk: counts per reason, then the rows asked for."""

    as_of = _day(query.as_of, ledger)
    thresholds = settings.load_thresholds()
    live = cache.worklist(ledger, as_of, thresholds)
    full = live.frame
    rows = full
    if query.reason:
        rows = rows[rows["reason"] == query.reason]
    if query.partner:
        rows = rows[rows["partner"] == query.partner]
    if query.urgency:
        rows = rows[rows["urgent"] == (query.urgency == "urgent")]
    if query.min_days is not None:
        rows = rows[rows["working_days"] >= query.min_days]
    by = {
        "reason": None,
        "age": (["working_days", "since"], [False, True]),
        "since": (["since"], [True]),
        "partner": (["partner", "since"], [True, True]),
        "media": (["media_id"], [True]),
    }[query.sort]
    if by is not None:
        rows = rows.sort_values(by[0], ascending=by[1], kind="stable")
    shown = rows.head(PAGE_ROWS)
    # Times formatted in one step (as ledger.clock.london writes them), not row by row.
    since = shown["since"].dt.tz_convert(LONDON).dt.strftime("%Y-%m-%d %H:%M").fillna("-")
    return {
        "as_of": as_of.isoformat(),
        "total": len(full),
        "matching": len(rows),
        "counts": [
            {"reason": code, "meaning": meaning, "count": live.counts[code]}
            for code, meaning in UNRECONCILED_REASONS.items()
        ],
        "partners": live.partners,
        "thresholds": asdict(thresholds),
        "rows": [
            _worklist_row(r, text)
            for r, text in zip(shown.to_dict("records"), since.tolist(), strict=True)
        ],
    }


def _known(value: Any) -> Any:
    """A frame's value, or None where the frame holds a missing one (NaN, NaT, NA)."""
    return None if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else value


def _worklist_row(r: dict[Hashable, Any], since: str) -> dict[str, Any]:
    threshold = r["threshold"]
    limit = None if threshold is None or pd.isna(threshold) else int(threshold)
    return {
        "media_id": r["media_id"],
        "reason": r["reason"],
        "meaning": UNRECONCILED_REASONS[r["reason"]],
        "status": r["status"],
        "since": since,
        "working_days": int(r["working_days"]),
        "threshold": limit,
        "partner": r["partner"],
        "urgent": bool(r["urgent"]),
        # An unexpected arrival has neither: NaN in the frame, None (shown "-") on the page.
        "nhs_number": _known(r["nhs_number"]),
        "accession": _known(r["accession"]),
        # The desk's steps the ledger's transition table allows from this status.
        "steps": [a for a in DESK_STEPS if (Status(r["status"]), a) in TRANSITIONS],
    }


def record_step(ledger: Ledger, code: str, action: str, *, operator: str) -> tuple[bool, str]:
    """Record to-pacs, imported or import-failed for a medium: (recorded?, what happened)."""
    if action not in DESK_STEPS:
        raise InvalidValue(f"{action!r}: the worklist records {', '.join(DESK_STEPS)}")
    result = ledger.scan(action, code, site=ledger.home.code, operator=operator)
    if result.outcome == "recorded":
        return True, f"{result.media_id}: {action} recorded (now {result.status})"
    return False, f"{result.media_id or code}: not recorded: {result.reason}"


# -- checking against the PACS ---------------------------------------------------------------


def pacs_pending(ledger: Ledger) -> list[str]:
    """Media awaiting a PACS check (as `custody pacs verify --pending` picks them)."""
    from pacs.import_check import pending_media

    return pending_media(ledger)


def pacs_label(settings: Settings) -> str:
    """Which PACS the server asks, or why none is configured."""
    from pacs.connection import load_settings
    from pacs.import_check import pacs_label as label

    return label(load_settings(settings.pacs))


def check_pacs(
    ledger: Ledger, settings: Settings, codes: list[str], *, operator: str
) -> list[dict[str, Any]]:
    """Check media against the PACS in one batched query; record what changed (as the CLI)."""
    from pacs.connection import load_settings
    from pacs.import_check import check_imports

    if not codes:
        return []
    if len(codes) > CHECK_BATCH * 4:
        raise InvalidValue(f"check at most {CHECK_BATCH * 4} media a request")
    checks = check_imports(ledger, load_settings(settings.pacs), codes, operator=operator)
    return [_check_row(c) for c in checks]


def _check_row(check: Any) -> dict[str, Any]:
    from pacs.comparison import Verdict

    if check.status is None:
        outcome, text = "refused", check.reason
    elif check.verdict is None:
        outcome, text = "skipped", check.reason
    elif check.recorded == "imported":
        outcome, text = "verified", "all there: recorded imported (verified)"
    elif check.recorded == "import-partial":
        outcome, text = "partial", "part missing: recorded import-partial (an IR1 reason)"
    elif check.verdict is Verdict.NOT_FOUND:
        outcome, text = "not-found", "not in the PACS yet: nothing recorded"
    else:
        outcome, text = str(check.verdict.value), "already recorded"
    return {"media_id": check.media_id, "outcome": outcome, "text": text}


def media_exists(ledger: Ledger, code: str) -> str:
    """The media ID, checked (for links and forms)."""
    return str(parse_media_id(code))


# -- incidents and IR1s ----------------------------------------------------------------------

# How far back the incidents page looks by default (as `report incidents`).
INCIDENT_DAYS = 90
# The ICO's clock turns red with less than this left.
ICO_RED_HOURS = 24


def _clock(deadline: datetime | None, now: datetime) -> dict[str, Any] | None:
    """The ICO's 72 hours as a page shows them: hours left (negative: past), red or amber."""
    if deadline is None:
        return None
    left = (deadline - now).total_seconds() / 3600
    if left < 0:
        text = f"{-left:.0f} h past the deadline ({london(deadline)})"
    else:
        text = f"{int(left)} h {int(left * 60) % 60:02d} min left (by {london(deadline)})"
    return {"hours_left": round(left, 2), "red": left < ICO_RED_HOURS, "text": text}


def incidents(
    ledger: Ledger,
    settings: Settings,
    cache: ReportCache,
    *,
    include_closed: bool = False,
    as_of: str = "",
) -> dict[str, Any]:
    """`report incidents` without patient identifiers: data breaches first, with the ICO clock."""
    from datetime import timedelta

    from reports.incidents import incidents as build

    day = _day(as_of, ledger)
    since = day - timedelta(days=INCIDENT_DAYS)
    thresholds = settings.load_thresholds()
    key = ("incidents", day, thresholds, include_closed)
    frame = cache.get(
        ledger,
        key,
        lambda: build(ledger, day, thresholds, since=since, include_closed=include_closed),
    )
    now = ledger.clock()
    rows = []
    for r in frame.to_dict("records"):
        deadline = r["ico_deadline"]
        deadline = None if deadline is None or pd.isna(deadline) else deadline.to_pydatetime()
        breach = bool(r["data_breach"])
        rows.append(
            {
                "media_id": r["media_id"],
                "reason": r["reason"],
                "meaning": INCIDENT_REASONS[r["reason"]],
                "detected_at": _when(r["detected_at"]),
                "ir1_status": r["ir1_status"],
                "ir1_ref": None if pd.isna(r["ir1_ref"]) else r["ir1_ref"],
                "what": r["what"],
                "where": r["where"],
                "impact": r["impact"],
                "data_breach": breach,
                # The clock runs until the IR1 is closed.
                "ico": _clock(deadline, now) if breach and r["ir1_status"] != "closed" else None,
            }
        )
    rows.sort(key=lambda r: 0 if r["ico"] else 1)
    counts = frame["reason"].value_counts() if len(frame) else pd.Series(dtype=int)
    return {
        "as_of": day.isoformat(),
        "since": since.isoformat(),
        "include_closed": include_closed,
        "breaches": [r for r in rows if r["ico"]],
        "rows": [r for r in rows if not r["ico"]],
        "counts": [
            {"reason": code, "meaning": meaning, "count": int(counts.get(code, 0))}
            for code, meaning in INCIDENT_REASONS.items()
        ],
        "to_file": sum(r["ir1_status"] == "to-file" for r in rows),
    }


def ir1_draft(
    ledger: Ledger, settings: Settings, code: str, reason: str, *, patient: bool
) -> dict[str, Any]:
    """The IR1 draft (as `custody ir1 draft`); the people-affected section only if `patient`."""
    from reports.ir1 import draft, external_reporting

    d = draft(ledger, code, settings.load_thresholds(), reason=reason)
    return {
        "media_id": d.media_id,
        "reason": d.reason,
        "meaning": INCIDENT_REASONS[d.reason],
        "incident_at": london(d.incident_at),
        "reported_on": d.reported_on.isoformat(),
        "location": d.location,
        "category": d.category,
        "description": d.description,
        "impact": d.impact,
        "actions": list(d.actions),
        "harm": d.harm,
        "external": external_reporting(d),
        "data_breach": d.data_breach,
        "ico": _clock(d.ico_deadline, ledger.clock())
        if d.data_breach and d.ir1_status != "closed"
        else None,
        "protection": d.protection,
        "ir1_status": d.ir1_status,
        "ir1_ref": d.ir1_ref,
        "other_reasons": list(d.other_reasons),
        "staff": list(d.staff),
        "patient": [list(p) for p in d.patient] if patient else None,
    }


def ir1_filed(ledger: Ledger, code: str, reason: str, ref: str, *, operator: str) -> str:
    """Record the risk system's reference for the IR1 of (medium, reason)."""
    event = ledger.ir1_filed(code, reason=reason, ref=ref, operator=operator)
    return f"{event.media_id} {reason}: IR1 filed as {event.detail['ref']}"


def ir1_closed(ledger: Ledger, code: str, reason: str, note: str, *, operator: str) -> str:
    """Close the IR1 of (medium, reason) with a note."""
    event = ledger.ir1_closed(code, reason=reason, note=note, operator=operator)
    return f"{event.media_id} {reason}: IR1 closed"


# -- governance ------------------------------------------------------------------------------


def _month_before(day: date) -> str:
    first = day.replace(day=1)
    return (first - pd.Timedelta(days=1)).strftime("%Y-%m")


def monthly(ledger: Ledger, settings: Settings, cache: ReportCache, month: str) -> Any:
    """`report monthly` for `month` (the same Monthly the CLI writes out), cached."""
    from reports.monthly import month_start
    from reports.monthly import monthly as build

    month = month_start(month).strftime("%Y-%m")  # a one-line error for a bad month
    thresholds = settings.load_thresholds()
    key = ("monthly", month, today(ledger), thresholds)
    return cache.get(ledger, key, lambda: build(ledger, month, thresholds))


def _table(df: pd.DataFrame) -> dict[str, Any]:
    """A report table as a page shows it: columns, and rows of text (no patient identifiers:
    the monthly report never reads them)."""
    from reports.output import present

    shown = present(df)
    numeric = {
        str(c)
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c])
    }
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for column, value in zip(df.columns, row, strict=True):
            if isinstance(value, bool):
                text = "yes" if value else ""
            elif isinstance(value, float) and value.is_integer():
                text = str(int(value))
            else:
                text = str(value)
            cells.append({"text": text, "num": str(column) in numeric})
        rows.append(cells)
    return {"columns": [str(c).replace("_", " ") for c in df.columns], "rows": rows}


TURNAROUND = [
    "partner",
    "sent",
    "received",
    "imported",
    "median_days_to_receipt",
    "p90_days_to_receipt",
    "median_days_to_import",
    "lost",
    "incidents",
]


def governance(
    ledger: Ledger, settings: Settings, cache: ReportCache, month: str = ""
) -> dict[str, Any]:
    """The dashboard: this month so far and the chosen month (default the last complete one),
    with the chosen month's trend, turnaround by partner, incidents by reason and routes."""
    day = today(ledger)
    current = day.strftime("%Y-%m")
    chosen = month.strip() or _month_before(day)
    picked = monthly(ledger, settings, cache, chosen)
    so_far = picked if picked.month == current else monthly(ledger, settings, cache, current)
    trend = picked.trend
    peak = int(trend["sent_on_disc"].max()) if len(trend) else 0
    return {
        "current": current,
        "month": picked.month,
        "home": f"{picked.home} {picked.home_name}",
        "so_far": {"month": so_far.month, "headline": so_far.headline, "as_of": day.isoformat()},
        "picked": {"month": picked.month, "headline": picked.headline},
        "trend": [
            {**{k: _plain(v) for k, v in row.items()}, "peak": peak}
            for row in trend.to_dict("records")
        ],
        "turnaround": _table(picked.partners[TURNAROUND]),
        "incidents": _table(picked.incidents),
        "routes": _table(picked.routes),
        "exceptions": _table(picked.exceptions),
        "events": picked.events,
        "head": picked.head,
        "generated_at": london(picked.generated_at),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if pd.isna(value) else value
    if hasattr(value, "item"):
        return value.item()
    return value


DOWNLOADS = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def monthly_file(
    ledger: Ledger, settings: Settings, cache: ReportCache, month: str, fmt: str
) -> tuple[str, bytes, str]:
    """The month's report as the CLI writes it (`report monthly --format FMT`): name, bytes,
    media type."""
    from reports import output
    from reports.monthly_html import monthly_html

    if fmt not in DOWNLOADS:
        raise InvalidValue(f"format {fmt!r}: {', '.join(DOWNLOADS)}")
    report = monthly(ledger, settings, cache, month)
    name = f"custody-monthly-{report.month}.{fmt}"
    if fmt == "html":
        data = monthly_html(report).encode()
    elif fmt == "csv":
        data = output.csv_text(report.partners).encode()
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            output.write_xlsx(report.tables, path)
            data = path.read_bytes()
    return name, data, DOWNLOADS[fmt]


CHARTS = ("trend", "turnaround", "incidents")


def monthly_chart(
    ledger: Ledger, settings: Settings, cache: ReportCache, month: str, name: str
) -> bytes:
    """One of the monthly report's charts as SVG (the same drawing as the HTML report's)."""
    from reports.charts import incidents_chart, trend_chart, turnaround_chart

    if name not in CHARTS:
        raise InvalidValue(f"chart {name!r}: {', '.join(CHARTS)}")
    report = monthly(ledger, settings, cache, month)
    draw = {
        "trend": lambda: trend_chart(report.trend),
        "turnaround": lambda: turnaround_chart(report.partners),
        "incidents": lambda: incidents_chart(report.incidents),
    }[name]
    return cache.get(ledger, ("chart", report.month, name, today(ledger)), draw).encode()


# -- partners: expected and unexpected discs, manifests and receipts -------------------------


def partners(ledger: Ledger, settings: Settings, cache: ReportCache) -> dict[str, Any]:
    """Discs announced by a partner's manifest and not arrived; arrivals nobody announced."""
    from ledger.manifests import expected_not_arrived

    day = today(ledger)
    thresholds = settings.load_thresholds()
    work = cache.worklist(ledger, day, thresholds).frame
    unexpected = work[work["reason"] == "unexpected-arrival"]
    return {
        "organisations": [
            {"code": o.code, "name": o.name, "email": o.email}
            for o in ledger.organisations()
            if not o.home
        ],
        "expected": [
            {
                "media_id": r["media_id"],
                "issuer": r["issuer"],
                "dispatched_at": london(from_text(r["dispatched_at"])),
                "urgent": bool(r["urgent"]),
            }
            for r in expected_not_arrived(ledger)
        ],
        "unexpected": [
            {
                "media_id": r["media_id"],
                "issuer": r["issuer"],
                "since": _when(r["since"]),
                "working_days": int(r["working_days"]),
            }
            for r in unexpected.to_dict("records")
        ],
    }


def import_partner_file(
    ledger: Ledger, data: bytes, filename: str, *, operator: str
) -> dict[str, Any]:
    """A partner's manifest or receipts file, uploaded: the CLI's `manifest import`, all or
    nothing; what was recorded, already there, and skipped."""
    import tempfile

    from ledger.manifests import import_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "upload.json")
        path.write_bytes(data)
        report = import_file(ledger, path, operator=operator)
    return {
        "kind": report.kind,
        "partner": report.partner,
        "digest": report.digest,
        "recorded": report.recorded,
        "already": report.already,
        "skipped": list(report.skipped),
    }


def export_partner_file(ledger: Ledger, partner: str, kind: str, fmt: str) -> tuple[str, bytes]:
    """A manifest (json or csv) of what we dispatched to `partner`, or our receipts (json) of
    what it sent us, as `custody manifest export` / `receipts` write them: name and bytes."""
    import tempfile

    from ledger.manifests import export_manifest, export_receipts, write_file

    code = ledger.org(partner).code
    if kind == "manifest":
        doc: Any = export_manifest(ledger, code)
    elif kind == "receipts":
        doc = export_receipts(ledger, code)
        fmt = "json"
    else:
        raise InvalidValue(f"{kind!r}: export a manifest or receipts")
    if fmt not in ("json", "csv"):
        raise InvalidValue(f"format {fmt!r} is not json or csv")
    name = f"{ledger.home.code}-{kind}-for-{code}-{today(ledger).isoformat()}.{fmt}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write_file(doc, path, fmt)
        return name, path.read_bytes()


# -- labels ------------------------------------------------------------------------------------


def labels_waiting(ledger: Ledger) -> dict[str, Any]:
    """Registered media a label may be printed for: never labelled first, then reprints."""
    from labels.templates import TEMPLATES
    from ledger.labelling import waiting_for_label

    waiting = waiting_for_label(ledger, reprints=True)
    rows = {r["media_id"]: r for r in ledger.list_media(status=Status.REGISTERED)}
    found = [
        {
            "media_id": media_id,
            "destination": rows[media_id]["destination"],
            "urgent": bool(rows[media_id]["urgent"]),
            "labelled": int(rows[media_id]["labelled"] or 0),
        }
        for media_id in waiting.media_ids
    ]
    found.sort(key=lambda r: (r["labelled"] > 0, r["media_id"]))
    return {
        "media": found,
        "skipped": [{"media_id": m, "reason": str(why)} for m, why in waiting.skipped],
        "templates": [(t.name, t.description) for t in TEMPLATES.values()],
    }


def labels_pdf(
    ledger: Ledger, codes: list[str], template: str, start: int, *, operator: str
) -> tuple[str, bytes]:
    """The labels as one PDF on `template` from sheet position `start`, recorded as labelled
    (a reprint shows in the medium's history), as `custody label` prints them."""
    import tempfile

    from labels.content import make_label_content
    from labels.sheets import write_labels
    from labels.templates import get_template
    from ledger.labelling import label_facts

    if not codes:
        raise InvalidValue("choose the discs to label")
    tpl = get_template(template)
    ids = [str(parse_media_id(c)) for c in codes]
    day = today(ledger)
    contents = [make_label_content(**f._asdict(), date=day) for f in label_facts(ledger, ids)]
    ledger.check_writable()
    name = f"labels-{day.isoformat()}-{tpl.name}.pdf"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / name
        write_labels(contents, out, tpl, start=start)
        data = out.read_bytes()
    ledger.labelled(ids, template=tpl.name, file=name, operator=operator)
    return name, data


# -- administration ----------------------------------------------------------------------------

# A query for a study no PACS holds: answered (empty) when the connection works.
PROBE_UID = "1.2.826.0.1.3680043.10.1082.999999999"


def admin_view(ledger: Ledger, accounts: Accounts, settings: Settings) -> dict[str, Any]:
    """Organisations, accounts, the thresholds in force and the PACS connection."""
    from ledger.accounts import ROLES
    from pacs.connection import load_settings
    from pacs.query import DicomWebSettings
    from reports.thresholds import InvalidThresholds

    try:
        thresholds = asdict(settings.load_thresholds())
        thresholds_error = None
    except InvalidThresholds as exc:
        thresholds, thresholds_error = asdict(Thresholds()), str(exc)
    try:
        pacs = load_settings(settings.pacs)
        pacs_form = (
            {"protocol": "dicomweb", "url": pacs.url, "timeout": pacs.timeout}
            if isinstance(pacs, DicomWebSettings)
            else {
                "protocol": "dimse",
                "ae_title": pacs.ae_title,
                "host": pacs.host,
                "port": pacs.port,
                "calling_ae": pacs.calling_ae,
                "timeout": pacs.timeout,
            }
        )
        pacs_state = pacs_label(settings)
    except CustodyError as exc:
        pacs_form, pacs_state = {"protocol": "dicomweb"}, str(exc)
    return {
        "organisations": [o._asdict() for o in ledger.organisations()],
        "accounts": [
            {
                "name": a.name,
                "roles": list(a.roles),
                "email": a.email,
                "disabled": a.disabled,
                "badge": a.has_badge,
            }
            for a in accounts.all()
        ],
        "roles": list(ROLES),
        "thresholds": thresholds,
        "thresholds_file": str(settings.thresholds),
        "thresholds_error": thresholds_error,
        "pacs": pacs_form,
        "pacs_state": pacs_state,
        "pacs_file": str(settings.pacs),
    }


def add_org(ledger: Ledger, code: str, name: str, address: str, public_key: str = "") -> str:
    """Add a partner organisation, with its public key when it signs its manifests."""
    org = ledger.add_org(code, name, address.strip() or None, public_key.strip() or None)
    return f"added {org.code} {org.name}"


def edit_org(
    ledger: Ledger, code: str, name: str, address: str, email: str, public_key: str = ""
) -> str:
    """Change an organisation's name, address, custody mailbox and (a partner's) public key,
    as `org edit`; a blank key leaves the registered one as it is."""
    changes = {"name": name, "address": address, "email": email}
    if public_key.strip():
        changes["public_key"] = public_key.strip()
    org = ledger.edit_org(code, **changes)
    return f"{org.code} {org.name}: saved"


def add_account(accounts: Accounts, name: str, roles: list[str], email: str, password: str) -> str:
    """A new account (the password checked as `custody user add` checks it)."""
    account = accounts.add(name, roles=roles, password=password, email=email or None)
    return f"added {account.name} ({', '.join(account.roles)})"


def edit_account(accounts: Accounts, name: str, roles: list[str], email: str) -> str:
    """Change an account's roles and e-mail address (a change of roles ends its sessions)."""
    account = accounts.edit(name, roles=roles, email=email)
    return f"{account.name}: {', '.join(account.roles)}, {account.email or 'no e-mail'}"


def set_disabled(accounts: Accounts, name: str, disabled: bool) -> str:
    """Disable (its sessions end, its badge is revoked) or enable an account."""
    account = accounts.disable(name) if disabled else accounts.enable(name)
    return f"{account.name} {'disabled' if account.disabled else 'enabled'}"


def station_sheet(accounts: Accounts, badges: list[str]) -> bytes:
    """The station's command barcodes, with a new badge for each account named (its earlier
    badge stops working), as `custody station-sheet --badge NAME` prints them."""
    import tempfile

    from labels.code_sheet import write_code_sheet
    from station.wedge import sheet_entries

    entries = sheet_entries([])
    entries += [(accounts.issue_badge(name), f"sign in: {name}") for name in badges if name]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "station-sheet.pdf"
        write_code_sheet(entries, out)
        return out.read_bytes()


def save_thresholds(settings: Settings, values: dict[str, str]) -> str:
    """Write the thresholds file from the form, after the same checks the reports make."""
    import tempfile

    from reports.thresholds import InvalidThresholds, thresholds_toml

    numbers: dict[str, int] = {}
    for name, text in values.items():
        if not text.strip().isdigit():
            raise InvalidThresholds(f"{name.replace('_', '-')}: a whole number of working days")
        numbers[name] = int(text.strip())
    text = thresholds_toml(replace_thresholds(numbers, settings.load_thresholds()))
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "thresholds.toml"
        probe.write_text(text, encoding="utf-8")
        load_thresholds(probe)  # the file must read back exactly as the reports read it
    settings.thresholds.parent.mkdir(parents=True, exist_ok=True)
    settings.thresholds.write_text(text, encoding="utf-8")
    return f"thresholds saved to {settings.thresholds}"


def replace_thresholds(numbers: dict[str, int], base: Thresholds | None = None) -> Thresholds:
    """`base` (default: the defaults) with these values; unknown names refused."""
    from dataclasses import fields, replace

    from reports.thresholds import InvalidThresholds

    known = {f.name for f in fields(Thresholds)}
    unknown = set(numbers) - known
    if unknown:
        raise InvalidThresholds(f"unknown threshold {sorted(unknown)[0]!r}")
    return replace(base or Thresholds(), **numbers)


def save_pacs(settings: Settings, form: dict[str, str]) -> str:
    """Save where the PACS is (as `custody pacs config`)."""
    from pacs.connection import save_settings, settings_from_options
    from pacs.errors import PacsNotConfigured

    def number(key: str) -> str | None:
        return form.get(key, "").strip() or None

    try:
        port = int(number("port") or "") if number("port") else None
        timeout = float(number("timeout") or "") if number("timeout") else None
    except ValueError:
        raise InvalidValue("port and timeout are numbers") from None
    if form.get("protocol") == "dimse":
        given = settings_from_options(
            None, number("ae_title"), number("host"), port, number("calling_ae"), timeout
        )
    else:
        given = settings_from_options(number("url"), None, None, None, None, timeout)
    if given is None:
        raise PacsNotConfigured("give the DICOMweb URL, or the AE title, host and port")
    save_settings(settings.pacs, given)
    return f"saved: {pacs_label(settings)}"


def check_pacs_connection(settings: Settings) -> str:
    """Ask the PACS for a study it cannot hold: an answer (empty) means the connection works."""
    import time

    from pacs.clients import pacs_client
    from pacs.connection import load_settings

    pacs = load_settings(settings.pacs)
    started = time.perf_counter()
    pacs_client(pacs).find_studies([PROBE_UID])
    took = (time.perf_counter() - started) * 1000
    return f"connected: {pacs_label(settings)} answered a query in {took:.0f} ms"
