"""From query rows to pandas frames, and what every report is computed against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from ledger.clock import LONDON
from ledger.queries import Rows
from reports.calendar import Days, WorkingCalendar, england_and_wales
from reports.thresholds import Thresholds

_BOOLS = ("registered", "expected", "unexpected", "urgent", "encrypted", "misdelivered")


@dataclass(frozen=True)
class Basis:
    """What a report is computed against: the as-of day, the thresholds and the calendar."""

    as_of: date
    thresholds: Thresholds
    calendar: WorkingCalendar

    @property
    def as_of_day(self) -> np.datetime64:
        """The as-of day, for numpy's working-day arithmetic."""
        return np.datetime64(self.as_of, "D")

    @property
    def end(self) -> datetime:
        """The end of the as-of day (London), as an aware time."""
        return london_midnight(self.as_of + timedelta(days=1))


def basis(as_of: date, thresholds: Thresholds, years: Iterable[int] = ()) -> Basis:
    """A basis whose calendar covers the as-of year and every year a counted step falls in.

    `years` are the years of the steps (`step_years`); a year either side is added, since a
    count may run past New Year.
    """
    span = [as_of.year, *years]
    return Basis(as_of, thresholds, england_and_wales(min(span) - 1, max(span) + 1))


def london_midnight(day: date) -> datetime:
    """The start of a London day, as an aware time."""
    return datetime.combine(day, time(0), tzinfo=LONDON)


def times(values: pd.Series) -> pd.Series:
    """Stored UTC text as aware timestamps (None as NaT)."""
    return pd.to_datetime(values, format="ISO8601", utc=True)


def day_starts(days: Days) -> pd.Series:
    """The start (London midnight) of each day, as aware UTC timestamps."""
    local = pd.Series(pd.to_datetime(days)).dt.tz_localize(LONDON, nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def media_frame(rows: Rows) -> pd.DataFrame:
    """Media rows as a frame: times parsed, flags as booleans, the issuer known for each."""
    df = pd.DataFrame.from_records(rows.rows, columns=list(rows.columns))
    for name in df.columns:
        if name.endswith("_at"):
            df[name] = times(df[name])
    for name in _BOOLS:
        if name in df.columns:
            df[name] = df[name].fillna(False).astype(bool)
    if "issuer" in df.columns and "media_id" in df.columns:
        # An unexpected arrival was never registered here: its media ID names the issuer.
        blank = df["issuer"].isna() | (df["issuer"] == "")
        df.loc[blank, "issuer"] = df.loc[blank, "media_id"].str[:-9]
    df["anomalies"] = df["anomalies"].fillna(0).astype(int) if "anomalies" in df else 0
    return df


def step_years(df: pd.DataFrame) -> list[int]:
    """The earliest and latest London year of any time in the frame's `*_at` columns."""
    found: list[int] = []
    for name in df.columns:
        if name.endswith("_at") and not df.empty and not df[name].isna().all():
            column = df[name]
            found += [int(column.min().tz_convert(LONDON).year)]
            found += [int(column.max().tz_convert(LONDON).year)]
    return [min(found), max(found)] if found else []
