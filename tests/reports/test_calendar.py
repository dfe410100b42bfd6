"""Working days: the issue's counting rule, at bank holidays and weekends."""

from __future__ import annotations

from datetime import date

import numpy as np

from reports.calendar import england_and_wales

CAL = england_and_wales(2024, 2027)


def elapsed(since: str, until: str) -> int:
    return int(CAL.elapsed(np.array([since], dtype="datetime64[D]"), np.datetime64(until))[0])


def test_the_issues_example_christmas_2025() -> None:
    # Dispatched Wed 24 Dec 2025, as of Wed 31 Dec 2025: 29, 30 and 31 Dec count.
    assert elapsed("2025-12-24", "2025-12-31") == 3


def test_weekend_and_bank_holidays_do_not_count() -> None:
    assert elapsed("2026-01-02", "2026-01-04") == 0  # Fri -> Sun
    assert elapsed("2026-01-02", "2026-01-05") == 1  # Fri -> Mon
    assert elapsed("2025-04-17", "2025-04-21") == 0  # Thu -> Easter Monday
    assert elapsed("2025-04-17", "2025-04-22") == 1  # Thu -> Tue after Easter


def test_the_step_day_itself_and_earlier_days_count_nothing() -> None:
    assert elapsed("2025-12-24", "2025-12-24") == 0
    assert elapsed("2025-12-31", "2025-12-24") == 0


def test_reached_is_the_day_the_count_gets_there() -> None:
    days = CAL.reached(np.array(["2025-12-24", "2026-01-03"], dtype="datetime64[D]"), 3)
    # From a Saturday, the count runs as from the Friday before it.
    assert [str(d) for d in days] == ["2025-12-31", "2026-01-07"]


def test_england_and_wales_holidays_come_from_the_library() -> None:
    assert date(2025, 12, 26) in CAL.holidays
    assert date(2026, 8, 31) in CAL.holidays  # summer bank holiday
    assert date(2026, 3, 17) not in CAL.holidays  # St Patrick's Day is Northern Ireland's
