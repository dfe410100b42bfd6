"""`custody transfer`: a transfer by an electronic route (reports show disc versus electronic)."""

from __future__ import annotations

import typer

from cli.app import app
from cli.choices import Route
from cli.context import open_ledger


@app.command()
def transfer(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="Destination (ODS code)."),
    route: Route = typer.Option(..., "--route", help="iep, dicom-push, web-link or nhsmail."),
    accession: str = typer.Option(None, "--accession", help="Accession number."),
    study_uid: str = typer.Option(None, "--study-uid", help="Study Instance UID."),
    operator: str = typer.Option(None, "--operator", help="Who (default $CUSTODY_OPERATOR)."),
    at: str = typer.Option(None, "--at", help="When it was sent (ISO 8601; default now)."),
) -> None:
    """Record an electronic transfer (no medium, no label, no scans); prints its transfer ID."""
    from cli.context import default_operator

    ledger = open_ledger(ctx)
    when = ledger.when(at) if at is not None else None
    event = ledger.transfer(
        to,
        route=route.value,
        accession=accession,
        study_uid=study_uid,
        operator=operator or default_operator(),
        at=when,
    )
    typer.echo(event.media_id)
