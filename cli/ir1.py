"""`custody ir1`: draft an IR1 for a medium, record its risk-system reference, close it."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app
from cli.context import open_ledger

ir1_app = typer.Typer(
    no_args_is_help=True, help="IR1 incident reports: draft, record as filed, close."
)
app.add_typer(ir1_app, name="ir1")

REASON = typer.Option(..., "--reason", help="The incident reason code (see `report incidents`).")
OPERATOR = typer.Option(None, "--operator", help="Who (default $CUSTODY_OPERATOR).")


@ir1_app.command("draft")
def draft(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The medium's ID."),
    reason: str = typer.Option(None, "--reason", help="Which incident (default the first)."),
    as_html: bool = typer.Option(False, "--html", help="Write HTML instead of plain text."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
    thresholds: Path = typer.Option(None, "--thresholds", envvar="CUSTODY_THRESHOLDS"),
) -> None:
    """Print a pre-filled IR1 to paste into the risk system (patient details kept apart)."""
    from reports.ir1 import draft as build
    from reports.ir1 import draft_html, draft_text
    from reports.thresholds import load_thresholds

    d = build(open_ledger(ctx), media_id, load_thresholds(thresholds), reason=reason)
    text = draft_html(d) if as_html else draft_text(d)
    if output is None:
        typer.echo(text, nl=False)
    else:
        from ledger.files import write_private

        write_private(output, text)
        typer.echo(f"wrote {output}", err=True)


@ir1_app.command("filed")
def filed(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The medium's ID."),
    reason: str = REASON,
    ref: str = typer.Option(..., "--ref", help="The reference the risk system gave."),
    operator: str = OPERATOR,
) -> None:
    """Record that the IR1 was filed, with the risk system's reference."""
    from cli.context import default_operator

    event = open_ledger(ctx).ir1_filed(
        media_id, reason=reason, ref=ref, operator=operator or default_operator()
    )
    typer.echo(f"OK {event.media_id} {reason}: IR1 filed as {event.detail['ref']}")


@ir1_app.command("close")
def close(
    ctx: typer.Context,
    media_id: str = typer.Argument(..., help="The medium's ID."),
    reason: str = REASON,
    note: str = typer.Option(..., "--note", help="Why it is closed (outcome, or not reportable)."),
    operator: str = OPERATOR,
) -> None:
    """Close the IR1 (or decide one is not needed), saying why."""
    from cli.context import default_operator

    event = open_ledger(ctx).ir1_closed(
        media_id, reason=reason, note=note, operator=operator or default_operator()
    )
    typer.echo(f"OK {event.media_id} {reason}: IR1 closed")
