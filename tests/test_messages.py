"""Library messages name inputs by their field, never by a CLI flag: a web page shows them too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ledger.errors import CustodyError, InvalidValue

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("ledger", "reports", "pacs", "station", "labels", "demo")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
# The one text allowed to name a flag: the monthly report's note telling auditors which
# command proves the ledger unchanged (`custody verify --expect ...`), an instruction about
# the CLI itself rather than a message about an input.
ABOUT_THE_CLI = {("reports/monthly_html.py", "`custody verify --expect ")}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the constants that are docstrings (they may describe the CLI)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def library_texts() -> list[tuple[str, int, str]]:
    """Every string constant of the library packages but docstrings: (path, line, text)."""
    texts = []
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            skip = docstrings(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                ):
                    texts.append((str(path.relative_to(ROOT)), node.lineno, node.value))
    return texts


def test_no_library_message_names_a_cli_flag() -> None:
    named = [
        f"{path}:{line}: {text!r}"
        for path, line, text in library_texts()
        if FLAG.search(text) and not any(path == p and s in text for p, s in ABOUT_THE_CLI)
    ]
    assert named == []


def test_the_scan_finds_a_flag_in_a_message() -> None:
    assert FLAG.search("nothing to change: give --name or --email")
    assert not FLAG.search("not-a-flag -- nor this, nor $CUSTODY_DB or a-b--c")


def _given_fields(call: ast.Call) -> set[str]:
    """The field names an error call gives: `field=`, `fields=`, or after the message
    (`ValueError(message, field)`, which a job turns into a CustodyError)."""
    names: set[str] = set()
    values = [k.value for k in call.keywords if k.arg in ("field", "fields")] + call.args[1:]
    for value in values:
        for node in ast.walk(value):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


def test_every_placeholder_a_raise_names_is_one_of_its_fields() -> None:
    """`{since}` in a message is shown only if `since` is in the error's fields."""
    unnamed = []
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                given = _given_fields(node.exc)
                for part in ast.walk(node.exc.args[0]) if node.exc.args else ():
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        missing = set(PLACEHOLDER.findall(part.value)) - given
                        if missing:
                            unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno} {missing}")
    assert unnamed == []


def test_an_error_names_each_of_its_fields_as_the_front_end_calls_it() -> None:
    error = InvalidValue(
        "{since} 2026-01-31 is after {as_of} 2026-01-30", field="since", fields=("as_of",)
    )
    assert error.field == "since" and error.fields == ("since", "as_of")
    assert str(error) == "since 2026-01-31 is after as_of 2026-01-30"
    flags = {"since": "--since", "as_of": "--as-of"}
    assert error.shown(flags.__getitem__) == "--since 2026-01-31 is after --as-of 2026-01-30"
    # Braces that are no field of the error stay as they are.
    assert str(CustodyError("{via} or {other}", field="via")) == "via or {other}"
