"""The hazard log is honest: every test it names is collected, runs under CI=true and passes.

Renaming or moving a test the log names, skipping it in CI, or letting it fail breaks CI here;
so does a hazard marked controlled with no tested control, or a stale hazard-log.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.pg import server_problem
from tests.safety.hazard_log import (
    MATRIX,
    RENDERED,
    ROOT,
    Control,
    Hazard,
    Log,
    Risk,
    cited_tests,
    load,
    matching,
    problems,
    render,
)
from tests.safety.outcomes_plugin import SEEN, Seen

PLUGIN = ["-p", "no:cacheprovider", "-o", "addopts="]
# Orthanc's tests run only inside scripts/netns.sh (scripts/test.sh does so under CI=true, where
# the Orthanc fixture fails rather than skips); here they are collected and checked for skip
# markers, not run.
NOT_RUN_HERE = "orthanc"


class CiRun(NamedTuple):
    """What pytest under CI=true collected and did with the tests the log names."""

    collected: dict[str, list[str]]  # node ID: marker names
    deselected: list[str]
    outcomes: dict[str, dict[str, str]]  # node ID: {phase: outcome}
    output: str


@pytest.fixture(scope="module")
def log() -> Log:
    return load()


def _known(node: str, seen: Seen) -> bool:
    """Whether this session (under CI=true) collected `node` and ran each case (but Orthanc's)."""
    cases = matching(node, set(seen["collected"]))
    return bool(cases) and all(
        c in seen["outcomes"] or NOT_RUN_HERE in seen["collected"][c] for c in cases
    )


@pytest.fixture(scope="module")
def ci_run(log: Log, tmp_path_factory: pytest.TempPathFactory) -> CiRun:
    """The tests the log names, as CI runs them: from this session when it is a CI run that has
    run them already (the whole suite: this file runs last), the rest in a pytest of its own."""
    cited = cited_tests(log)
    missing = sorted({n.split("::")[0] for n in cited if not (ROOT / n.split("::")[0]).is_file()})
    assert missing == [], f"the hazard log names tests in files that do not exist: {missing}"
    in_ci = os.environ.get("CI", "").lower() == "true"
    seen: Seen = (
        json.loads(json.dumps(SEEN))
        if in_ci
        else {"collected": {}, "deselected": [], "outcomes": {}}
    )
    to_run = [node for node in cited if not _known(node, seen)]
    output = ""
    if to_run:
        out = tmp_path_factory.mktemp("ci") / "seen.json"
        env = {**os.environ, "CI": "true", "CUSTODY_SAFETY_OUT": str(out)}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", *PLUGIN, "-q", "-m", f"not {NOT_RUN_HERE}", *to_run],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        nested: Seen = json.loads(out.read_text())
        seen["collected"].update(nested["collected"])
        seen["outcomes"].update(nested["outcomes"])
        seen["deselected"] += nested["deselected"]
        output = (run.stdout + run.stderr)[-4000:]
    return CiRun(seen["collected"], seen["deselected"], seen["outcomes"], output)


def test_the_log_is_well_formed(log: Log) -> None:
    assert problems(log) == []


def test_hazard_log_md_is_rendered_from_the_toml(log: Log) -> None:
    assert RENDERED.read_text() == render(log), (
        "docs/safety/hazard-log.md is stale: run scripts/hazard-log.sh"
    )


def test_every_hazard_the_issue_lists_is_in_the_log(log: Log) -> None:
    titles = " / ".join(h.title.lower() for h in log.hazards)
    for words in (
        "lost disc",
        "wrong trust",
        "misread barcode",
        "password is sent in the parcel",
        "unencrypted disc with no exception",
        "partial import",
        "wrong patient",
        "offline",
        "recorded twice",
        "working-day count",
        "time-zone and clock",
        "pacs is unreachable",
        "altered after the fact",
        "patient identifiers exposed",
        "under another's name",
    ):
        assert words in titles, words


def test_the_safety_case_argues_for_every_open_or_medium_risk_hazard(log: Log) -> None:
    case = (ROOT / "docs" / "safety" / "safety-case.md").read_text()
    needs_argument = [h.id for h in log.hazards if h.status == "open" or h.residual.rating >= 3]
    assert [h for h in needs_argument if f"**{h}" not in case] == []


def test_the_log_and_the_case_name_the_version_in_pyproject(log: Log) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    case = (ROOT / "docs" / "safety" / "safety-case.md").read_text()
    assert log.version == version
    assert f"**Applies to:** custody {version} " in case


def test_every_named_test_is_collected(log: Log, ci_run: CiRun) -> None:
    # One unknown ID stops pytest collecting any: then its "not found" lines name the culprits.
    not_found = [
        str(Path(found).relative_to(ROOT)) if found.startswith("/") else found
        for found in re.findall(r"ERROR: not found: (\S+)", ci_run.output)
    ]
    unknown = not_found or [
        node for node in cited_tests(log) if not matching(node, set(ci_run.collected))
    ]
    assert unknown == [], (
        "the hazard log names tests that pytest does not collect (renamed or moved? update "
        f"docs/safety/hazards.toml and run scripts/hazard-log.sh): {unknown}\n{ci_run.output}"
    )


def test_no_named_test_is_marked_to_skip(log: Log, ci_run: CiRun) -> None:
    marked = {
        case: markers
        for node in cited_tests(log)
        for case in matching(node, set(ci_run.collected))
        if {"skip", "xfail"} & set(markers := ci_run.collected[case])
        or (NOT_RUN_HERE in markers and "skipif" in markers)
    }
    assert marked == {}


def test_every_named_test_passes_under_ci_and_none_skips(log: Log, ci_run: CiRun) -> None:
    if server_problem() and os.environ.get("CI", "").lower() != "true":
        pytest.skip("the named tests include PostgreSQL ones: " + (server_problem() or ""))
    cases = {c for n in cited_tests(log) for c in matching(n, set(ci_run.collected))}
    to_run = sorted(c for c in cases if NOT_RUN_HERE not in ci_run.collected[c])
    not_passed = {
        case: ci_run.outcomes.get(case)
        for case in to_run
        if ci_run.outcomes.get(case, {}).get("call") != "passed"
        or set(ci_run.outcomes[case].values()) != {"passed"}
    }
    assert not_passed == {}, ci_run.output


# -- the checks themselves can fail ---------------------------------------------------------


def _hazard(**changes: Any) -> Hazard:
    base = Hazard(
        id="HAZ-001",
        title="t",
        status="controlled",
        hazard="h",
        causes=("c",),
        effect="e",
        initial=Risk(3, 3),
        residual=Risk(2, 3),
        controls=(Control("x", ("tests/a/test_b.py::test_c",)),),
        gaps=(),
        trust=("do this",),
    )
    return base._replace(**changes)


def test_a_renamed_test_is_not_found() -> None:
    collected = {"tests/a/test_b.py::test_c[1]", "tests/a/test_b.py::test_c[2]"}
    assert matching("tests/a/test_b.py::test_c", collected) == sorted(collected)
    assert matching("tests/a/test_b.py::test_c[2]", collected) == ["tests/a/test_b.py::test_c[2]"]
    assert matching("tests/a/test_b.py::test_old_name", collected) == []
    assert matching("tests/a/test_b.py::test", collected) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"controls": ()}, "HAZ-001: controlled, but no control with a test is named"),
        ({"controls": (Control("x", ()),)}, "HAZ-001: control 'x'... names no test"),
        (
            {"controls": (Control("x", ("test_b.py::test_c",)),)},
            "HAZ-001: 'test_b.py::test_c' is not a pytest node ID tests/...py::test",
        ),
        ({"status": "open"}, "HAZ-001: open, but the gaps that keep it open are not said"),
        ({"status": "done"}, "HAZ-001: status 'done' is not one of ('controlled', 'open')"),
        (
            {"residual": Risk(4, 3), "initial": Risk(2, 2)},
            "HAZ-001: residual risk is above the initial risk",
        ),
        ({"initial": Risk(6, 1)}, "HAZ-001: initial risk (6, 1) is off the 5x5 scales"),
        ({"id": "HAZ-1"}, "hazard IDs are not HAZ-001.. in order: ['HAZ-1']"),
    ],
)
def test_the_shape_checks_catch(changes: dict[str, Any], problem: str) -> None:
    assert problems(Log("0", "today", (_hazard(**changes),))) == [problem]


def test_a_controlled_hazard_may_not_keep_an_unacceptable_risk() -> None:
    hazard = _hazard(initial=Risk(5, 5), residual=Risk(4, 4))
    assert problems(Log("0", "today", (hazard,))) == [
        "HAZ-001: a residual risk of 4 is unacceptable"
    ]
    assert problems(Log("0", "today", (hazard._replace(status="open", gaps=("g",)),))) == []


def test_the_matrix_is_the_dcb0129_one() -> None:
    assert [MATRIX[likelihood - 1] for likelihood in (5, 3, 1)] == [
        (3, 4, 4, 5, 5),
        (2, 2, 3, 3, 4),
        (1, 1, 2, 2, 3),
    ]
    for likelihood in range(5):
        for severity in range(5):
            rating = MATRIX[likelihood][severity]
            assert rating >= MATRIX[max(likelihood - 1, 0)][severity]
            assert rating >= MATRIX[likelihood][max(severity - 1, 0)]
