"""The commands of issue 7 each have help text."""

from __future__ import annotations

import pytest

from tests.cli_helpers import custody

COMMANDS = [
    ["db", "status"],
    ["db", "upgrade"],
    ["db", "copy"],
    ["manifest", "export"],
    ["manifest", "import"],
    ["manifest", "receipts"],
    ["manifest", "expected"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_command_has_help(command: list[str]) -> None:
    result = custody(None, *command, "--help")
    assert result.exit_code == 0
    summary = result.stdout.split("\n\n")[1].strip()
    assert summary and not summary.startswith("Options"), result.stdout
