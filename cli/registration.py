"""`custody register` and `custody password-sent`: what the imaging admin records."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.app import app
from cli.context import open_ledger
from cli.formats import state_json


@app.command()
def register(
    ctx: typer.Context,
    to: str = typer.Option(None, "--to", help="Destination ODS code."),
    nhs: str = typer.Option(None, "--nhs", help="The patient's NHS number (10 digits)."),
    accession: str = typer.Option(None, "--accession", help="RIS accession number."),
    study_uid: str = typer.Option(None, "--study-uid", help="DICOM Study Instance UID."),
    kind: str = typer.Option("cd", "--kind", help="cd, dvd or usb."),
    urgent: bool = typer.Option(False, "--urgent", help="An urgent clinical transfer."),
    unencrypted: bool = typer.Option(
        False, "--unencrypted", help="Not encrypted: needs --exception, --approved-by, --reason."
    ),
    exception: str = typer.Option(
        None, "--exception", help="urgent-clinical, patient-handover or secure-with-notes."
    ),
    approved_by: str = typer.Option(None, "--approved-by", help="Who approved the exception."),
    reason: str = typer.Option(None, "--reason", help="Why the exception applies."),
    from_csv: Path = typer.Option(
        None, "--from-csv", help="Register every row of a CSV file, all or nothing."
    ),
    from_disc: Path = typer.Option(
        None,
        "--from-disc",
        help="Fill accession, study UIDs and instance counts from this disc (and --nhs "
        "from its patient ID when that is an NHS number).",
    ),
    operator: str = typer.Option(None, "--operator", help="Who registers (default: you)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new record as JSON."),
) -> None:
    """Register a medium (or a CSV file of them) and print its media ID."""
    from cli.context import default_operator
    from ledger.errors import InvalidValue
    from ledger.rules import Registration

    ledger = open_ledger(ctx)
    who = operator or default_operator()
    if from_csv is not None:
        if to or nhs or from_disc:
            raise InvalidValue(
                "--from-csv takes every field from the file; drop --to, --nhs and --from-disc"
            )
        states = ledger.register_csv(from_csv, operator=who)
        if as_json:
            typer.echo(json.dumps([state_json(s) for s in states], indent=2))
        else:
            for s in states:
                typer.echo(s.media_id)
            typer.echo(f"registered {len(states)} media from {from_csv.name}", err=True)
        return
    if not to or not (nhs or from_disc):
        raise InvalidValue("register needs --to ORG and --nhs NUMBER (or --from-csv FILE)")
    registration = Registration(
        nhs_number=nhs or "",
        destination=to,
        accession=accession,
        study_uid=study_uid,
        kind=kind,
        urgent=urgent,
        encrypted=not unencrypted,
        exception=exception,
        approved_by=approved_by,
        exception_reason=reason,
    )
    if from_disc is not None:
        from pacs.disc import read_disc
        from pacs.intake import with_disc

        registration = with_disc(registration, read_disc(from_disc))
    state = ledger.register(registration, operator=who)
    typer.echo(json.dumps(state_json(state), indent=2) if as_json else state.media_id)


@app.command("password-sent")
def password_sent(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The medium's ID."),
    via: str = typer.Option(..., "--via", help="email, letter, phone or enclosed (in the parcel)."),
    to: str = typer.Option(None, "--to", help="Who it was sent to (e.g. an NHSmail address)."),
    at: str = typer.Option(None, "--at", help="When it was sent (ISO 8601; default now)."),
    operator: str = typer.Option(None, "--operator", help="Who sent it (default: you)."),
) -> None:
    """Record that (and how) a medium's password was sent. Never type the password."""
    from cli.context import default_operator

    ledger = open_ledger(ctx)
    event = ledger.password_sent(
        media_id, via=via, to=to, operator=operator or default_operator(), at=ledger.when(at)
    )
    typer.echo(f"{event.media_id} password sent by {via}")
