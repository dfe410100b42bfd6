"""`custody demo`: a realistic synthetic ledger to try every command on."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.main import app


@app.command()
def demo(
    directory: Path = typer.Option(
        Path("custody-demo"), "--dir", help="Where to build it (rebuilt if there)."
    ),
) -> None:
    """Build a synthetic ledger: a hospital, six partners, three months of media."""
    from ledger.demo import build_demo

    s = build_demo(directory)
    typer.echo(f"demo ledger: {s.db_path}")
    typer.echo(f"  {s.organisations} organisations, {s.media} media, {s.events} events")
    typer.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in s.by_status.items()))
    typer.echo(
        f"  {s.exceptions} encryption exceptions, {s.anomalies} media with sequence anomalies"
    )
    typer.echo(f"  head digest {s.head}")
    typer.echo("try:")
    typer.echo(f"  custody --db {s.db_path} list --status lost")
    typer.echo(f"  custody --db {s.db_path} verify")
