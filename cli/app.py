"""The typer app every command module adds its commands to, and its one error handler."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from ledger.errors import BulkRejected, CustodyError

# Library fields whose option is not simply --<field>.
FLAGS: dict[str, str] = {"destination": "--to", "nhs_number": "--nhs", "url": "--pacs"}


def failure_lines(exc: BaseException) -> list[str] | None:
    """The lines that explain an expected failure, or None for a bug (which keeps its traceback).

    Expected: the project's own errors, a file or folder the system refused (missing, a
    directory given as a file, permission denied, disk full), and a database that cannot be
    opened or is read-only.
    """
    if isinstance(exc, CustodyError):
        problems = exc.problems if isinstance(exc, BulkRejected) else []
        return [f"  {line}" for line in problems] + [f"error: {message(exc)}"]
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
        return [f"error: {_os_message(exc)}"]
    database = _database_message(exc)
    return None if database is None else [f"error: {database}"]


def message(exc: CustodyError) -> str:
    """A library error as the command line says it: the inputs it names by their flags, then
    what to do about it, if the error says (`unknown organisation 'RZZ' (add it with ...)`)."""
    shown = exc.shown(flag)
    return f"{shown} ({exc.hint})" if exc.hint else shown


def flag(field: str) -> str:
    """The option a library error's field is given by on the command line."""
    return FLAGS.get(field, f"--{field.replace('_', '-')}")


def _os_message(exc: OSError) -> str:
    """`path: reason`, as the system says it."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _database_message(exc: BaseException) -> str | None:
    """A read-only or unreachable database, from whichever driver said so."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else ""
    if type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        lowered = first.lower()
        if "readonly" in lowered or "read-only" in lowered:
            return f"the ledger is read-only here: {first}"
        if "unable to open" in lowered:
            return f"cannot open the ledger: {first}"
    return None


class CustodyGroup(TyperGroup):
    """The one place a user's mistake becomes one line and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            lines = failure_lines(exc)
            if lines is None:
                raise
            for line in lines:
                typer.echo(line, err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=CustodyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Chain of custody for imaging media (CDs, DVDs, USB sticks) between NHS organisations.",
)


def default_db() -> str:
    """The default ledger file, per user: $XDG_DATA_HOME/custody/ledger.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "custody" / "ledger.db")


@app.callback()
def main(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="CUSTODY_DB",
        show_envvar=True,
        help="The ledger: a file path or SQLAlchemy URL "
        "(default: $XDG_DATA_HOME/custody/ledger.db).",
    ),
) -> None:
    """Chain of custody for imaging media (CDs, DVDs, USB sticks) between NHS organisations."""
    ctx.obj = db or default_db()
