"""Library messages name inputs by their field, never by a CLI flag: a web page shows them too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cli.app import message
from ledger.errors import CustodyError, InvalidValue, UnknownOrganisation

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("ledger", "reports", "pacs", "station", "labels", "demo")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
# The one text allowed to name a flag: the monthly report's note telling auditors which
# command proves the ledger unchanged (`custody verify --expect ...`), an instruction about
# the CLI itself rather than a message about an input.
ABOUT_THE_CLI = {("reports/monthly_html.py", "`custody verify --expect ")}
# Texts that may name a command outside a `hint=`. Reached only where the operator runs custody
# itself (no ledger yet, an old schema, the key file on this machine), or a rule's problem
# text: a list of strings with no error to carry a hint, shown for a CSV row or the web's
# registration form alike (issue #11 leaves it).
ONLY_THE_CLI = {
    ("ledger/work.py", "run `custody init`"),
    ("ledger/migrate.py", "run `custody init`"),
    ("ledger/store.py", "run `custody init` first"),
    ("ledger/store.py", "run `custody db upgrade`"),
    ("ledger/signing.py", "`custody key show`"),
    ("ledger/signing.py", "`custody key init`"),
    ("ledger/integrity.py", "recorded at `custody key init`"),
    ("ledger/organisations.py", "the one `custody key init` made"),
    ("ledger/rules.py", "(add it with `custody org add`)"),
    ("reports/monthly_html.py", "`custody verify --expect "),
}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the constants that are docstrings (they may describe the CLI)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def hints(tree: ast.AST) -> set[int]:
    """The ids of the constants given as an error's `hint=` (the CLI's how-to, kept apart)."""
    return {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword) and node.arg == "hint"
        for part in ast.walk(node.value)
    }


def library_texts(*, but_hints: bool = False) -> list[tuple[str, int, str]]:
    """Every string constant of the library packages but docstrings (and, if `but_hints`,
    errors' hints): (path, line, text)."""
    texts = []
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            skip = docstrings(tree) | (hints(tree) if but_hints else set())
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


def test_no_library_message_tells_the_user_to_run_a_command() -> None:
    """`custody org add` means nothing on a web page: a how-to goes in `hint=`, which only the
    CLI shows."""
    named = [
        f"{path}:{line}: {text!r}"
        for path, line, text in library_texts(but_hints=True)
        if "`custody " in text and not any(path == p and s in text for p, s in ONLY_THE_CLI)
    ]
    assert named == []


def test_the_cli_adds_the_hint_and_the_web_does_not() -> None:
    error = UnknownOrganisation("unknown organisation {code}", field="code", hint="add it")
    assert str(error) == "unknown organisation code"
    assert message(error) == "unknown organisation --code (add it)"
    assert message(CustodyError("no hint")) == "no hint"


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
