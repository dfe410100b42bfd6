"""Shared fixtures: a SQLite ledger per test (fixed clock when asked); PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from ledger.api import Ledger
from tests.pg import fresh_database, require_server

# What this session collected and ran, for the hazard log's check (which runs last).
from tests.safety.outcomes_plugin import (  # noqa: F401
    last_the_hazard_log_check,
    pytest_collection_finish,
    pytest_deselected,
    pytest_runtest_logreport,
    pytest_sessionfinish,
)

# Property tests prove correctness, not speed: no per-example deadline on a busy 2-core machine.
settings.register_profile("custody", deadline=None)
settings.load_profile("custody")

HOME = ("RGT", "Cambridge University Hospitals")
PARTNERS = [("RXH", "University Hospitals Sussex"), ("R1K", "London North West")]
# The one list of synthetic NHS numbers the tests use (valid check digits; the never-issued
# 999 range, then numbers from the published test data), each suite taking its own slice.
NHS_NUMBERS = (
    *("9990000018", "9990000026", "9990000034", "9990000042", "9990000050"),
    *("9434765919", "9434765870", "9434765862", "9434765854", "9434765846"),
    *("9037763960", "9659403100", "9981202525"),
)
NHS = list(NHS_NUMBERS[:5])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for a PostgreSQL database is marked `postgres` (`-m "not postgres"`)."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
    last_the_hazard_log_check(items)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A ledger file with the home organisation and two partners."""
    path = tmp_path / "ledger.db"
    ledger = Ledger.create(str(path), *HOME)
    for code, name in PARTNERS:
        ledger.add_org(code, name)
    ledger.engine.dispose()
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 12, 22, 9, 0, tzinfo=UTC))


@pytest.fixture
def ledger(db_path: Path, clock: Clock) -> Iterator[Ledger]:
    """The ledger at db_path, on the test's clock."""
    opened = Ledger.open(str(db_path), clock=clock)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def cli(db_path: Path) -> Callable[..., object]:
    """Run `custody --db <db_path> ARGS...` in-process; returns the Result."""
    from tests.cli_helpers import custody

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> object:
        return custody(str(db_path), *args, input=input, env=env)

    return run


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    require_server()
    with fresh_database() as url:
        yield url
