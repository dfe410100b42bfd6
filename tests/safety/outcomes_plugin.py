"""A pytest plugin for the hazard-log check: what a nested pytest run collected and what it did.

Loaded with `-p tests.safety.outcomes_plugin` and CUSTODY_SAFETY_OUT set to a file name; at the
end of the session it writes there, as JSON, {"collected": {node ID: [marker names]},
"deselected": [node IDs], "outcomes": {node ID: {phase: outcome}}}.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_seen: dict[str, object] = {"collected": {}, "deselected": [], "outcomes": {}}


def _markers(item: pytest.Item) -> list[str]:
    return sorted({m.name for m in item.iter_markers()})


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        _seen["collected"][item.nodeid] = _markers(item)  # type: ignore[index]
        _seen["deselected"].append(item.nodeid)  # type: ignore[attr-defined]


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        _seen["collected"][item.nodeid] = _markers(item)  # type: ignore[index]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _seen["outcomes"].setdefault(report.nodeid, {})[report.when] = report.outcome  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("CUSTODY_SAFETY_OUT")
    if target:
        Path(target).write_text(json.dumps(_seen))
