"""Running `custody` in-process for tests."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from cli.main import app
from tests.conftest import NHS_NUMBERS

NHS = NHS_NUMBERS[10:13]


def custody(
    db: str, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run one `custody` command in-process against the ledger `db`: the tests' one way in."""
    return CliRunner().invoke(app, ["--db", db, *args], input=input, env=env)


def ok(db: str, *args: str) -> str:
    """Run a command that must succeed; its standard output."""
    result = custody(db, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout
