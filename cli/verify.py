"""`custody verify`: prove the ledger has not been edited since it was written."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app
from cli.context import open_ledger
from cli.keys import KEY_FILE, trusted_public_key


@app.command()
def verify(
    ctx: typer.Context,
    expect: str = typer.Option(
        None,
        "--expect",
        help="A head printed earlier (DIGEST or DIGEST@COUNT): the ledger must still extend it.",
    ),
    public_key: str = typer.Option(
        None,
        "--public-key",
        help="Check the signed checkpoints against this public key (default: the key file's, "
        "else the one the ledger recorded).",
    ),
    key: Path = KEY_FILE,
) -> None:
    """Recompute the hash chain, re-fold every medium, check every signed checkpoint."""
    checked = open_ledger(ctx).check(expect, public_key=trusted_public_key(public_key, key))
    if checked.problems:
        for problem in checked.problems:
            typer.echo(f"error: {problem.text}", err=True)
        raise typer.Exit(1)
    typer.echo(f"verified {checked.events} events")
    typer.echo(f"head digest {checked.head}")
    typer.echo(f"re-folded {checked.media} media: the projection matches the events")
    if expect is not None:
        typer.echo(f"extends the expected head {expect.strip().lower()}")
    if checked.checkpoints:
        typer.echo(
            f"{checked.checkpoints} signed checkpoint{'s' if checked.checkpoints > 1 else ''} "
            f"verified (latest {checked.latest}) against {checked.public_key}"
        )
    else:
        typer.echo("no signed checkpoints yet (custody checkpoint)")
