"""Functions stay short enough to read: none over 60 lines, no CLI command body over 40."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "pacs", "station", "labels", "reports", "demo", "cli", "web")
MAX_FUNCTION = 60
MAX_COMMAND_BODY = 40  # a CLI command's statements, its option declarations not counted
# Functions allowed to stay too long (#11): none now. Should one ever be listed, the test fails
# once it is short enough, so the list only shrinks.
LONG_FUNCTIONS: set[str] = set()
LONG_COMMANDS: set[str] = set()


def functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function of our packages, named `path:function`."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.append((f"{path.relative_to(ROOT)}:{node.name}", node))
    return found


def is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function registered as a typer command (`@app.command()`, `@x_app.command("y")`)."""
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr == "command":
            return True
    return False


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return 0 if not body else (node.end_lineno or 0) - body[0].lineno + 1


def test_no_function_is_over_60_lines() -> None:
    # A CLI command is measured by its body (next test): its option declarations are not code.
    long = {
        name
        for name, node in functions()
        if (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION
        and not (name.startswith("cli/") and is_command(node))
    }
    assert long - LONG_FUNCTIONS == set()
    assert LONG_FUNCTIONS - long == set(), "split: take it off the list"


def test_no_cli_command_body_is_over_40_lines() -> None:
    long = {
        name
        for name, node in functions()
        if name.startswith("cli/") and is_command(node) and body_lines(node) > MAX_COMMAND_BODY
    }
    assert long - LONG_COMMANDS == set()
    assert LONG_COMMANDS - long == set(), "split: take it off the list"


def test_the_measure_sees_commands_and_long_functions() -> None:
    named = dict(functions())
    assert is_command(named["cli/verify.py:verify"])
    assert not is_command(named["cli/app.py:failure_lines"])
    assert body_lines(named["cli/verify.py:verify"]) < MAX_COMMAND_BODY
