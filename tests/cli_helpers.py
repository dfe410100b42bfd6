"""Running `custody` in-process for tests."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from cli.main import app

# Synthetic NHS numbers (the never-issued 999 range and valid test numbers).
NHS = ("9037763960", "9659403100", "9981202525")


def custody(db: str, *args: str) -> Result:
    """Run one `custody` command against the ledger `db`."""
    return CliRunner().invoke(app, ["--db", db, *args])


def ok(db: str, *args: str) -> str:
    """Run a command that must succeed; its standard output."""
    result = custody(db, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout
