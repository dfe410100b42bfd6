"""`custody remind`: the working morning's reminder e-mails (from cron or a systemd timer)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.app import app
from cli.context import open_ledger


@app.command()
def remind(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="The morning to remind of (default today)."),
    smtp_config: Path = typer.Option(
        None,
        "--smtp-config",
        envvar="CUSTODY_SMTP_CONFIG",
        help="TOML file: host, port, starttls, username, from (password: $CUSTODY_SMTP_PASSWORD).",
    ),
    thresholds: Path = typer.Option(None, "--thresholds", envvar="CUSTODY_THRESHOLDS"),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000",
        "--base-url",
        envvar="CUSTODY_BASE_URL",
        help="Where `custody serve` is reached, for the links in the e-mails.",
    ),
) -> None:
    """E-mail each recipient what is outstanding; a second run on a day sends nothing new."""
    from cli.report import _day
    from ledger.accounts import Accounts
    from reports.reminders import send_reminders, smtp_settings
    from reports.thresholds import load_thresholds

    ledger = open_ledger(ctx)
    day = _day(as_of, ledger, "--as-of")
    settings = smtp_settings(smtp_config)
    result = send_reminders(
        ledger,
        Accounts(ledger),
        day,
        load_thresholds(thresholds),
        settings,
        password=os.environ.get("CUSTODY_SMTP_PASSWORD"),
        base_url=base_url,
    )
    if not result.working_day:
        typer.echo(f"{day} is not a working day in England and Wales: nothing sent")
        return
    for to, count in result.sent:
        typer.echo(f"sent {to}: {count} item{'s' if count != 1 else ''}")
    for to in result.nothing_new:
        typer.echo(f"nothing new for {to} (already sent on {day})")
    if not result.sent and not result.nothing_new:
        typer.echo("nothing to remind anyone of")
