"""The DCB0129 hazard log: docs/safety/hazards.toml, its checks, and the markdown made from it.

`python -m tests.safety.hazard_log` (or `bash scripts/hazard-log.sh`) rewrites
docs/safety/hazard-log.md from the TOML; tests/safety/test_hazard_log.py fails when they differ.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "docs" / "safety" / "hazards.toml"
RENDERED = ROOT / "docs" / "safety" / "hazard-log.md"

# The DCB0129 scales (NHS Digital's implementation guidance), 1 lowest to 5 highest.
LIKELIHOOD = {
    1: ("Very low", "negligible or nearly impossible"),
    2: ("Low", "could occur, but in the great majority of occasions will not"),
    3: ("Medium", "possible"),
    4: ("High", "not certain, but very possible; reasonably expected in most cases"),
    5: ("Very high", "certain or almost certain; highly likely to occur"),
}
SEVERITY = {
    1: ("Minor", "minor injury or inconvenience, no lasting harm"),
    2: ("Significant", "minor injury or short-term illness; a breach of confidentiality"),
    3: ("Considerable", "severe injury or incapacity from which recovery is expected"),
    4: ("Major", "death or permanent incapacity of one patient, or severe injury of several"),
    5: ("Catastrophic", "death or permanent incapacity of several patients"),
}
# MATRIX[likelihood - 1][severity - 1] is the risk rating, as in the DCB0129 guidance.
MATRIX = (
    (1, 1, 2, 2, 3),  # very low
    (1, 2, 2, 3, 4),  # low
    (2, 2, 3, 3, 4),  # medium
    (2, 3, 3, 4, 5),  # high
    (3, 4, 4, 5, 5),  # very high
)
RATING = {
    1: ("Very low", "acceptable; no further action"),
    2: ("Low", "acceptable where further reduction is impractical"),
    3: (
        "Medium",
        "undesirable: tolerable only with a justification that further reduction is "
        "impractical and the benefits outweigh it",
    ),
    4: ("High", "unacceptable: further controls are mandatory"),
    5: ("Very high", "unacceptable: further controls are mandatory"),
}
STATUSES = ("controlled", "open")
HAZARD_ID = re.compile(r"HAZ-\d{3}")
NODE_ID = re.compile(r"tests/[\w/]+\.py::\w+(\[[^\]]+\])?")


class Risk(NamedTuple):
    """A likelihood and a severity, each 1 to 5."""

    likelihood: int
    severity: int

    @property
    def rating(self) -> int:
        return MATRIX[self.likelihood - 1][self.severity - 1]

    def text(self) -> str:
        return (
            f"{RATING[self.rating][0]} ({self.rating}): likelihood "
            f"{LIKELIHOOD[self.likelihood][0].lower()} ({self.likelihood}), severity "
            f"{SEVERITY[self.severity][0].lower()} ({self.severity})"
        )


class Control(NamedTuple):
    """What the product does against a hazard, and the tests that prove it."""

    what: str
    tests: tuple[str, ...]


class Hazard(NamedTuple):
    """One entry of the log."""

    id: str
    title: str
    status: str
    hazard: str
    causes: tuple[str, ...]
    effect: str
    initial: Risk
    residual: Risk
    controls: tuple[Control, ...]
    gaps: tuple[str, ...]
    trust: tuple[str, ...]


class Log(NamedTuple):
    """The whole log: the version it applies to, when it was reviewed, its hazards."""

    version: str
    reviewed: str
    hazards: tuple[Hazard, ...]


def load(path: Path = SOURCE) -> Log:
    """The log as written in `path`."""
    doc = tomllib.loads(path.read_text())
    hazards = tuple(
        Hazard(
            id=h["id"],
            title=h["title"],
            status=h["status"],
            hazard=h["hazard"],
            causes=tuple(h["causes"]),
            effect=h["effect"],
            initial=Risk(h["initial"]["likelihood"], h["initial"]["severity"]),
            residual=Risk(h["residual"]["likelihood"], h["residual"]["severity"]),
            controls=tuple(Control(c["what"], tuple(c["tests"])) for c in h.get("control", [])),
            gaps=tuple(h.get("gaps", [])),
            trust=tuple(h["trust"]),
        )
        for h in doc["hazard"]
    )
    return Log(doc["version"], doc["reviewed"], hazards)


def problems(log: Log) -> list[str]:
    """Everything wrong with the log's shape and reasoning; empty when it is sound."""
    found = []
    expected_ids = [f"HAZ-{n:03d}" for n in range(1, len(log.hazards) + 1)]
    if [h.id for h in log.hazards] != expected_ids:
        found.append(f"hazard IDs are not HAZ-001.. in order: {[h.id for h in log.hazards]}")
    for h in log.hazards:
        for name, risk in (("initial", h.initial), ("residual", h.residual)):
            if not (1 <= risk.likelihood <= 5 and 1 <= risk.severity <= 5):
                found.append(f"{h.id}: {name} risk {tuple(risk)} is off the 5x5 scales")
        if h.status not in STATUSES:
            found.append(f"{h.id}: status {h.status!r} is not one of {STATUSES}")
        if not (h.title and h.hazard and h.causes and h.effect and h.trust):
            found.append(f"{h.id}: title, hazard, causes, effect and trust are all needed")
        for control in h.controls:
            if not control.tests:
                found.append(f"{h.id}: control {control.what[:40]!r}... names no test")
            for node in control.tests:
                if not NODE_ID.fullmatch(node):
                    found.append(f"{h.id}: {node!r} is not a pytest node ID tests/...py::test")
        if h.status == "controlled" and not h.controls:
            found.append(f"{h.id}: controlled, but no control with a test is named")
        if h.status == "open" and not h.gaps:
            found.append(f"{h.id}: open, but the gaps that keep it open are not said")
        if all(1 <= v <= 5 for v in (*h.initial, *h.residual)):
            if h.residual.rating > h.initial.rating:
                found.append(f"{h.id}: residual risk is above the initial risk")
            if h.status == "controlled" and h.residual.rating >= 4:
                found.append(f"{h.id}: a residual risk of {h.residual.rating} is unacceptable")
    return found


def cited_tests(log: Log) -> list[str]:
    """Every node ID the log names, once each, in the order first named."""
    return list(dict.fromkeys(t for h in log.hazards for c in h.controls for t in c.tests))


def matching(cited: str, collected: set[str]) -> list[str]:
    """The collected node IDs a cited one stands for (a function stands for all its cases)."""
    return sorted(n for n in collected if n == cited or n.startswith(cited + "["))


def anchor(hazard: Hazard) -> str:
    """The link target of a hazard's heading, as GitHub makes it."""
    heading = f"{hazard.id} {hazard.title}".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def _bullets(items: tuple[str, ...]) -> list[str]:
    return [f"- {item}" for item in items]


def _matrix_table() -> list[str]:
    head = "| likelihood \\ severity | " + " | ".join(f"{n} {SEVERITY[n][0]}" for n in range(1, 6))
    lines = [head + " |", "|---" * 6 + "|"]
    for likelihood in range(5, 0, -1):
        cells = " | ".join(
            f"{MATRIX[likelihood - 1][s - 1]} {RATING[MATRIX[likelihood - 1][s - 1]][0]}"
            for s in range(1, 6)
        )
        lines.append(f"| {likelihood} {LIKELIHOOD[likelihood][0]} | {cells} |")
    return lines


def render(log: Log) -> str:
    """The hazard log as markdown."""
    out = [
        "# custody hazard log (DCB0129)",
        "",
        "<!-- Generated from docs/safety/hazards.toml by scripts/hazard-log.sh: edit the TOML. -->",
        "",
        f"Applies to custody {log.version}; last reviewed {log.reviewed}. The safety case that "
        "argues from this log is [safety-case.md](safety-case.md).",
        "",
        "Each hazard names the product's controls and, for each control, the tests that prove "
        "it, by pytest node ID (a function without `[...]` stands for all its cases). "
        "`tests/safety/test_hazard_log.py` fails CI when a named test is not collected, skips or "
        "fails under `CI=true`, when a controlled hazard has no tested control, or when this "
        "file differs from the TOML. A hazard whose main cause the product does not yet control "
        "is **OPEN**, with its risk as it stands. *Gaps* are what the product does not do; "
        "*trust* is what the deploying organisation must do under DCB0160.",
        "",
        "## Scales and matrix",
        "",
        "| likelihood | meaning |",
        "|---|---|",
        *(f"| {n} {name} | {meaning} |" for n, (name, meaning) in LIKELIHOOD.items()),
        "",
        "| severity | meaning for a patient |",
        "|---|---|",
        *(f"| {n} {name} | {meaning} |" for n, (name, meaning) in SEVERITY.items()),
        "",
        "Risk rating (likelihood x severity):",
        "",
        *_matrix_table(),
        "",
        "| rating | acceptability |",
        "|---|---|",
        *(f"| {n} {name} | {meaning} |" for n, (name, meaning) in RATING.items()),
        "",
        "## Summary",
        "",
        "| ID | hazard | status | initial risk | residual risk | tests |",
        "|---|---|---|---|---|---|",
    ]
    for h in log.hazards:
        tests = len({t for c in h.controls for t in c.tests})
        out.append(
            f"| [{h.id}](#{anchor(h)}) | {h.title} | {h.status.upper()} | "
            f"{h.initial.rating} {RATING[h.initial.rating][0]} | "
            f"{h.residual.rating} {RATING[h.residual.rating][0]} | {tests} |"
        )
    for h in log.hazards:
        out += [
            "",
            f"## {h.id} {h.title}",
            "",
            f"**Status: {h.status.upper()}.**",
            "",
            f"**Hazard.** {h.hazard}",
            "",
            "**Causes.**",
            "",
            *_bullets(h.causes),
            "",
            f"**Effect on the patient.** {h.effect}",
            "",
            f"**Initial risk.** {h.initial.text()}.",
            "",
            "**Controls in the product, and the tests that prove them.**",
            "",
        ]
        if not h.controls:
            out.append("None yet.")
        for n, control in enumerate(h.controls, 1):
            out.append(f"{n}. {control.what}")
            out += [f"   - `{t}`" for t in control.tests]
        out += ["", "**Gaps.**", ""]
        out += _bullets(h.gaps) if h.gaps else ["None known."]
        out += [
            "",
            f"**Residual risk.** {h.residual.text()}.",
            "",
            "**The deploying trust (DCB0160).**",
            "",
            *_bullets(h.trust),
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    log = load()
    found = problems(log)
    if found:
        raise SystemExit("docs/safety/hazards.toml: " + "; ".join(found))
    RENDERED.write_text(render(log))
    print(f"wrote {RENDERED.relative_to(ROOT)} ({len(log.hazards)} hazards)")


if __name__ == "__main__":
    main()
