"""Times in the ledger: stored in UTC as fixed-width text, read in Europe/London."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ledger.errors import InvalidTime

LONDON = ZoneInfo("Europe/London")
# A station clock may run a little fast; beyond this a time is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=2)
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@lru_cache(maxsize=4096)
def to_text(moment: datetime) -> str:
    """The stored form: UTC, microseconds, `Z`; sorts as it reads."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_text(text: str) -> datetime:
    """A stored time back as an aware UTC datetime; ValueError for one without a zone."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def in_future(moment: datetime, now: datetime) -> bool:
    """The one rule for "in the future": later than now by more than a fast clock's tolerance."""
    return moment > now + FUTURE_TOLERANCE


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 time typed by a person (no zone = UK local time), not in the future."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidTime(f"{text!r} is not a time (use ISO 8601, e.g. 2025-12-24T09:30)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    moment = moment.astimezone(UTC)
    if in_future(moment, now):
        raise InvalidTime(f"{text!r} is in the future")
    return moment


def london(moment: datetime, *, seconds: bool = False) -> str:
    """A time as people in the post room read it: `2025-12-24 09:30` UK local."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
