"""Running `custody` in-process for tests."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from cli.main import app
from tests.conftest import NHS_NUMBERS

NHS = NHS_NUMBERS[10:13]


def custody(
    db: str | None, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run one `custody` command in-process against the ledger `db`: the tests' one way in.

    `db` None runs it with no `--db` (help, and commands that need no ledger).
    """
    ledger = [] if db is None else ["--db", db]
    return CliRunner().invoke(app, [*ledger, *args], input=input, env=env)


def ok(db: str, *args: str) -> str:
    """Run a command that must succeed; its standard output."""
    result = custody(db, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout
