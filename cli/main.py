"""The `custody` command: parses, calls the ledger, prints. Never decides."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from ledger.errors import BulkRejected, CustodyError


class CustodyGroup(TyperGroup):
    """The one place a user's mistake becomes a one-line message and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CustodyError as exc:
            for line in exc.problems if isinstance(exc, BulkRejected) else []:
                typer.echo(f"  {line}", err=True)
            typer.echo(f"error: {exc}", err=True)
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


def run() -> NoReturn:
    """Console entry point: quiet on broken pipe and Ctrl-C."""
    try:
        from cli.station import quick_start

        code = quick_start(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        app()
    except BrokenPipeError:
        # Output went to `head` or similar: nothing to say, and nothing more to write.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)


# Each command module adds its commands to `app`; imported last because they import `app`.
from cli import (  # noqa: E402, F401
    database,
    demo,
    disc,
    handover,
    ir1,
    label,
    manifest,
    media,
    orgs,
    pacs,
    registration,
    remind,
    report,
    scan,
    serve,
    station,
    transfer,
    users,
    verify,
)
