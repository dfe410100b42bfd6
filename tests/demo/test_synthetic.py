"""The demo ledger is realistic, and the same whatever day and time it is built on (#12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from demo.synthetic import build_demo
from ledger.api import Ledger
from ledger.clock import LONDON
from ledger.reasons import INCIDENT_REASONS
from ledger.transitions import Status
from reports.incidents import incidents
from reports.thresholds import Thresholds

CLOCKS = [
    datetime(2025, 12, 28, 10, 0, tzinfo=UTC),  # a Sunday, between Christmas and New Year
    datetime(2026, 3, 30, 7, 30, tzinfo=UTC),  # a Monday morning, just after the clocks go forward
    datetime(2026, 1, 1, 0, 30, tzinfo=UTC),  # New Year's night
    datetime(2026, 6, 15, 6, 5, tzinfo=UTC),  # a Monday, before the first scan of the day
    datetime(2026, 10, 24, 23, 55, tzinfo=UTC),  # a Saturday night, the clocks go back
    datetime(2027, 4, 2, 17, 45, tzinfo=UTC),  # Good Friday evening
]


@pytest.mark.slow
@pytest.mark.parametrize("now", CLOCKS, ids=lambda c: c.strftime("%Y-%m-%dT%H:%M"))
def test_demo_has_every_status_and_incident_reason_and_verifies(
    tmp_path: Path, now: datetime
) -> None:
    summary = build_demo(tmp_path, now=now, count=60)
    assert set(summary.by_status) == {s.value for s in Status}
    ledger = Ledger.open(str(summary.db_path), clock=lambda: now)
    assert ledger.verify_chain().events == summary.events
    today = now.astimezone(LONDON).date()
    found = incidents(ledger, today, Thresholds(), since=today - timedelta(days=90))
    assert set(found["reason"]) == set(INCIDENT_REASONS)
    latest = max(r["status_at"] for r in ledger.list_media())
    assert latest < now.strftime("%Y-%m-%dT%H:%M:%S")


def test_the_full_demo_has_every_status_and_its_random_media(tmp_path: Path) -> None:
    summary = build_demo(tmp_path, now=CLOCKS[0])
    assert set(summary.by_status) == {s.value for s in Status}
    assert summary.media == 320 + 14 + 24  # random, scripted, and unexpected arrivals
    assert summary.exceptions > 5 and summary.anomalies > 0
