"""A pytest plugin for the hazard-log check: writes what a nested pytest run collected and did.

Loaded with `-p tests.safety.outcomes_plugin`. With CUSTODY_COLLECTED_OUT set, writes
{node ID: [marker names]} of every collected test there as JSON; with CUSTODY_OUTCOMES_OUT set,
writes {node ID: [outcome of each phase]} ("passed", "skipped", "failed") there as JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_outcomes: dict[str, list[str]] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    target = os.environ.get("CUSTODY_COLLECTED_OUT")
    if target:
        markers = {
            item.nodeid: sorted({m.name for m in item.iter_markers()}) for item in session.items
        }
        Path(target).write_text(json.dumps(markers))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        _outcomes.setdefault(report.nodeid, []).append(report.outcome)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("CUSTODY_OUTCOMES_OUT")
    if target:
        Path(target).write_text(json.dumps(_outcomes))
