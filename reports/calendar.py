"""Working days: weekends and England and Wales bank holidays excluded.

The counting rule, so everyone gets the same answer: the working days elapsed
since a step are the working days after the day of the step, up to and
including the as-of day. Dispatched Wed 24 Dec 2025, as of Wed 31 Dec 2025:
29, 30 and 31 Dec count, so 3 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np
import numpy.typing as npt
import pandas as pd

from ledger.clock import LONDON

Days = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class WorkingCalendar:
    """The bank holidays that, with weekends, are not working days."""

    holidays: tuple[date, ...]

    @property
    def _holidays(self) -> Days:
        return np.array(self.holidays, dtype="datetime64[D]")

    def elapsed(self, since: Days, until: Days | np.datetime64) -> npt.NDArray[np.int64]:
        """Working days after each `since` day up to and including `until` (0 where unknown)."""
        since = np.asarray(since, dtype="datetime64[D]")
        until_arr = np.broadcast_to(np.asarray(until, dtype="datetime64[D]"), since.shape)
        known = ~(np.isnat(since) | np.isnat(until_arr))
        out = np.zeros(since.shape, dtype=np.int64)
        one = np.timedelta64(1, "D")
        counts = np.busday_count(
            since[known] + one, until_arr[known] + one, holidays=self._holidays
        )
        out[known] = np.maximum(counts, 0)
        return out

    def is_working_day(self, day: date) -> bool:
        """Is `day` a working day (not a weekend or bank holiday)?"""
        return bool(np.is_busday(np.datetime64(day, "D"), holidays=self._holidays))

    def reached(self, since: Days, n: int | npt.NDArray[np.int64]) -> Days:
        """The day on which `n` working days have elapsed since each `since` day (NaT stays)."""
        since = np.asarray(since, dtype="datetime64[D]")
        steps = np.broadcast_to(np.asarray(n, dtype=np.int64), since.shape)
        out = np.full(since.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        known = ~np.isnat(since)
        # A step on a weekend or holiday counts from the working day before it.
        out[known] = np.busday_offset(
            since[known], steps[known], roll="backward", holidays=self._holidays
        )
        return out


def england_and_wales(first_year: int, last_year: int) -> WorkingCalendar:
    """Bank holidays in England and Wales (the `holidays` library's GB, subdivision ENG)."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return WorkingCalendar(tuple(sorted(found)))


def london_days(times: pd.Series) -> Days:
    """The Europe/London calendar day of each UTC time (NaT stays NaT)."""
    local = times.dt.tz_convert(LONDON).dt.tz_localize(None).dt.normalize()
    return local.to_numpy(dtype="datetime64[D]")
