"""`custody handover-form` and `custody handover`: an unencrypted disc handed to its recipient."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app
from cli.choices import Relationship
from cli.context import open_ledger


@app.command()
def handover(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The disc handed over."),
    acknowledged_by: str = typer.Option(
        ..., "--acknowledged-by", help="The name of the person who signed the form."
    ),
    relationship: Relationship = typer.Option(
        Relationship("patient"), "--relationship", help="Who they are to the patient."
    ),
    operator: str = typer.Option(None, "--operator", help="Who handed it over (default: you)."),
    at: str = typer.Option(None, "--at", help="When the form was signed (ISO 8601; default now)."),
) -> None:
    """Record that the recipient of an unencrypted disc signed its handover form."""
    from cli.context import default_operator
    from ledger.clock import london

    ledger = open_ledger(ctx)
    event = ledger.acknowledge_handover(
        media_id,
        acknowledged_by=acknowledged_by,
        relationship=relationship.value,
        operator=operator or default_operator(),
        at=ledger.when(at) if at else None,
    )
    typer.echo(
        f"acknowledged {event.media_id}: signed by {event.detail['acknowledged_by']} "
        f"({event.detail['relationship']}) {london(event.at)}"
    )


@app.command("handover-form")
def handover_form(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The unencrypted disc to hand over."),
    output: Path = typer.Option(..., "-o", "--output", help="The PDF to write (A4)."),
) -> None:
    """Print the form the recipient of an unencrypted disc reads and signs (A4 PDF)."""
    from labels.handover import write_handover_form

    facts = open_ledger(ctx).handover_facts(media_id)
    written = write_handover_form(output, **facts._asdict())
    typer.echo(f"wrote {written}: sign it, then record it with `custody handover {facts.media_id}`")
