"""What a pytest session collected and what each test did, for the hazard-log check.

tests/conftest.py takes these hooks into every session, so tests/safety/test_hazard_log.py can
read the outcomes of the tests the log names when they ran earlier in the same session (it runs
last), and run only the rest in a pytest of its own. With CUSTODY_SAFETY_OUT set to a file
name, the session also writes SEEN there as JSON when it ends.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TypedDict

import pytest


class Seen(TypedDict):
    """Node ID: marker names; node IDs deselected; node ID: {phase: outcome}."""

    collected: dict[str, list[str]]
    deselected: list[str]
    outcomes: dict[str, dict[str, str]]


SEEN: Seen = {"collected": {}, "deselected": [], "outcomes": {}}


def _markers(item: pytest.Item) -> list[str]:
    return sorted({m.name for m in item.iter_markers()})


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        SEEN["collected"][item.nodeid] = _markers(item)
        if item.nodeid not in SEEN["deselected"]:
            SEEN["deselected"].append(item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        SEEN["collected"][item.nodeid] = _markers(item)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    SEEN["outcomes"].setdefault(report.nodeid, {})[report.when] = report.outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("CUSTODY_SAFETY_OUT")
    if target:
        Path(target).write_text(json.dumps(SEEN))


def last_the_hazard_log_check(items: list[pytest.Item]) -> None:
    """Moves tests/safety/ to the end of the run, after the tests the hazard log names."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/safety/"))
