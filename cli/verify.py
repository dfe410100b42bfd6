"""`custody verify`: prove the ledger has not been edited since it was written."""

from __future__ import annotations

import typer

from cli.app import app
from cli.context import open_ledger


@app.command()
def verify(ctx: typer.Context) -> None:
    """Recompute the hash chain; print the event count and head digest."""
    report = open_ledger(ctx).verify_chain()
    typer.echo(f"verified {report.events} events")
    typer.echo(f"head digest {report.head}")
