"""Small ledgers built event by event, with explicit times and a fixed "now"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ledger.api import Ledger
from ledger.rules import Registration

LONDON = ZoneInfo("Europe/London")


def synthetic_nhs(serial: int) -> str:
    """A valid NHS number in the never-issued 999 range (Modulus 11)."""
    for n in range(serial, serial + 20):
        body = f"999{n:06d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)
    raise AssertionError("no valid number")


def uk(text: str) -> datetime:
    """A London wall-clock time, e.g. '2025-12-24 10:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@dataclass
class Book:
    """A test ledger whose clock the test sets."""

    ledger: Ledger
    now: list[datetime]
    serial: int = 0
    patients: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def register(
        self,
        at: str,
        to: str = "RGN",
        *,
        urgent: bool = False,
        encrypted: bool = True,
        exception: str | None = None,
    ) -> str:
        """Register one medium at a London time; returns its media ID."""
        self.serial += 1
        nhs = synthetic_nhs(self.serial * 37)
        accession = f"ACC{self.serial:05d}"
        uid = f"1.2.826.0.1.3680043.10.99.{self.serial}"
        reg = Registration(
            nhs_number=nhs,
            destination=to,
            accession=accession,
            study_uid=uid,
            urgent=urgent,
            encrypted=encrypted,
            exception=exception,
            approved_by="Dr A Consultant" if exception else None,
            exception_reason="clinical urgency" if exception else None,
        )
        state = self.ledger.register_many([reg], operator="admin", at=uk(at))[0]
        self.patients[state.media_id] = (nhs, accession, uid)
        return state.media_id

    def scan(self, action: str, media_id: str, at: str, site: str | None = None) -> None:
        """Record a scan at a London time."""
        result = self.ledger.scan(action, media_id, site=site, operator="clerk", at=uk(at))
        assert result.outcome == "recorded", result

    def password(self, media_id: str, at: str, via: str = "email") -> None:
        """Record the password as sent."""
        self.ledger.password_sent(media_id, via=via, operator="admin", at=uk(at))


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Book]:
    """A ledger for RGT with partners RGN and RM1; "now" is 2026-02-02 12:00 London."""
    now = [uk("2026-02-02 12:00")]
    ledger = Ledger.create(str(tmp_path / "ledger.db"), "RGT", "Home Trust", clock=lambda: now[0])
    ledger.add_org("RGN", "North Partner Trust")
    ledger.add_org("RM1", "East Partner Trust")
    yield Book(ledger, now)
    ledger.engine.dispose()
