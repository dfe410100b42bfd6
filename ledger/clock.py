"""Times in the ledger: stored in UTC as fixed-width text, read in Europe/London."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ledger.errors import InvalidTime

LONDON = ZoneInfo("Europe/London")
# A station clock may run a little fast; beyond this a time is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=2)
# No imaging disc was tracked by this product before it; an earlier time is a typing slip.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# The stored form, exactly: four-digit year, microseconds, Z.
_STORED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z", re.ASCII)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@lru_cache(maxsize=4096)
def to_text(moment: datetime) -> str:
    """The stored form: UTC, four-digit year, microseconds, `Z`; sorts as it reads.

    isoformat always writes four year digits (strftime's %Y writes `1` for year 1).
    """
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_text(text: str) -> datetime:
    """A stored time back as an aware UTC datetime; ValueError for text not in the stored form."""
    if not isinstance(text, str) or not _STORED.match(text):
        raise ValueError(f"{text!r} is not a stored time (YYYY-MM-DDTHH:MM:SS.ffffffZ)")
    return datetime.fromisoformat(text)


def aware_time(value: object, what: str) -> datetime:
    """An ISO 8601 time with its zone (UTC offset or Z), in UTC, or ValueError naming `what`.

    How times travel between ledgers (manifests, receipts, a station's journal).
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {value!r} has no time zone (UTC offset or Z)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{what} {value!r} is out of range") from None


def in_future(moment: datetime, now: datetime) -> bool:
    """The one rule for "in the future": later than now by more than a fast clock's tolerance."""
    return moment > now + FUTURE_TOLERANCE


def out_of_range(moment: datetime, now: datetime) -> str | None:
    """Why a time cannot be recorded (before 2000 or in the future), or None.

    The one range rule for every door: typed, scanned, journalled, imported.
    """
    if moment < EARLIEST:
        return f"{moment.date().isoformat()} is before 2000-01-01"
    if in_future(moment, now):
        return f"{london(moment)} (UK time) is in the future"
    return None


def check_time(moment: datetime, now: datetime) -> datetime:
    """`moment` (a naive one is UK local) in UTC, or InvalidTime if it is out of range."""
    try:
        moment = (moment if moment.tzinfo else local_time(moment)).astimezone(UTC)
    except OverflowError:  # within hours of year 1 or 9999
        raise InvalidTime(
            f"{moment.date().isoformat()} is "
            + ("before 2000-01-01" if moment.year < EARLIEST.year else "in the future")
        ) from None
    problem = out_of_range(moment, now)
    if problem:
        raise InvalidTime(problem)
    return moment


def local_time(naive: datetime) -> datetime:
    """A UK wall-clock time made aware; InvalidTime for one the spring change skips.

    In the October hour that happens twice, the first (British Summer Time) is taken.
    """
    moment = naive.replace(tzinfo=LONDON, fold=0)
    back = moment.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    if back != naive.replace(fold=0):
        raise InvalidTime(
            f"{naive:%Y-%m-%d %H:%M} does not exist in UK time "
            "(the clocks go forward an hour that night); give the time after the change"
        )
    return moment


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 time typed by a person (no zone = UK local time), between 2000 and now."""
    if not text.strip():
        raise InvalidTime("the time is empty (use ISO 8601, e.g. 2025-12-24T09:30)")
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidTime(f"{text!r} is not a time (use ISO 8601, e.g. 2025-12-24T09:30)") from None
    return check_time(moment, now)


def london(moment: datetime, *, seconds: bool = False) -> str:
    """A time as people in the post room read it: `2025-12-24 09:30` UK local."""
    local = moment.astimezone(LONDON)
    text = f"{local.year:04d}-{local:%m-%d %H:%M}"
    return f"{text}:{local:%S}" if seconds else text
