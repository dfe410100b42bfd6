"""`custody show`, `custody list`, `custody correct`: reading and correcting the record."""

from __future__ import annotations

import json

import typer

from cli.app import app
from cli.context import open_ledger
from cli.formats import record_json, record_lines


@app.command()
def show(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The medium's ID."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a medium: its status, anomalies and whole history."""
    ledger = open_ledger(ctx)
    record = ledger.show(media_id)
    if as_json:
        typer.echo(json.dumps(record_json(record), indent=2))
    else:
        names = {o.code: o.name for o in ledger.organisations()}
        typer.echo("\n".join(record_lines(record, names)))


@app.command("list")
def list_media(
    ctx: typer.Context,
    status: str = typer.Option(None, "--status", help="Only media with this status."),
    to: str = typer.Option(None, "--to", help="Only media for this destination."),
    unexpected: bool = typer.Option(
        False, "--unexpected", help="Only unexpected arrivals (another organisation's media)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List media, newest first."""
    from ledger.clock import from_text, london

    rows = open_ledger(ctx).list_media(status=status, destination=to, unexpected=unexpected)
    if as_json:
        keys = (
            "media_id",
            "status",
            "status_at",
            "destination",
            "kind",
            "urgent",
            "encrypted",
            "exception",
            "misdelivered",
            "unexpected",
            "issuer",
            "anomalies",
            "tracking",
        )
        typer.echo(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2))
        return
    for r in rows:
        since = london(from_text(r["status_at"])) if r["status_at"] else ""
        flags = " ".join(
            f
            for f, on in (
                ("URGENT", r["urgent"]),
                ("UNENCRYPTED", not r["encrypted"]),
                ("MISDELIVERED", r["misdelivered"]),
                (f"UNEXPECTED-FROM-{r['issuer']}", r["unexpected"]),
                (f"{r['anomalies']}-ANOMALY", r["anomalies"]),
            )
            if on
        )
        typer.echo(
            f"{r['media_id']:<14} {r['status']:<13} {since:<16}  {r['destination']:<5} "
            f"{r['kind']:<3} {flags}".rstrip()
        )
    typer.echo(f"{len(rows)} media", err=True)


@app.command()
def correct(
    ctx: typer.Context,
    event_id: str = typer.Argument(..., help="The event to void (see `custody show`)."),
    reason: str = typer.Option(..., "--reason", help="Why it was wrong."),
    operator: str = typer.Option(None, "--operator", help="Who corrects (default: you)."),
) -> None:
    """Void a wrong event with a new one; nothing is ever edited or deleted."""
    from cli.context import default_operator

    ledger = open_ledger(ctx)
    event = ledger.correct(event_id, reason=reason, operator=operator or default_operator())
    state = ledger.show(event.media_id).state
    typer.echo(f"voided {event.detail['voids']}; {event.media_id} is now {state.status}")
