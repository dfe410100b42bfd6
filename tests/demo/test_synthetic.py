"""The demo ledger is realistic whatever day it is built on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo.synthetic import build_demo
from ledger.api import Ledger
from ledger.transitions import Status


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 12, 28, 10, 0, tzinfo=UTC),  # a Sunday, between Christmas and New Year
        datetime(
            2026, 3, 30, 7, 30, tzinfo=UTC
        ),  # a Monday morning, just after the clocks go forward
    ],
)
def test_demo_has_every_status_and_verifies(tmp_path: Path, now: datetime) -> None:
    summary = build_demo(tmp_path, now=now, count=320)
    assert set(summary.by_status) == {s.value for s in Status}
    assert summary.media == 320 + 24  # registered here, and unexpected arrivals
    assert summary.exceptions > 5 and summary.anomalies > 0
    ledger = Ledger.open(str(summary.db_path))
    assert ledger.verify_chain().events == summary.events
    latest = max(r["status_at"] for r in ledger.list_media())
    assert latest < now.strftime("%Y-%m-%dT%H:%M:%S")
