"""`custody scan`: the post room and the PACS desk record what happened to each medium."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path

import typer

from cli.context import open_ledger
from cli.main import app
from cli.render import scan_line


class ScanAction(StrEnum):
    """What the scan says happened (mirrors ledger.events.SCAN_ACTIONS)."""

    dispatch = "dispatch"
    receive = "receive"
    to_pacs = "to-pacs"
    imported = "imported"
    import_failed = "import-failed"
    returned = "returned"
    destroyed = "destroyed"
    lost = "lost"


@app.command()
def scan(
    ctx: typer.Context,
    action: ScanAction = typer.Argument(..., help="What happened to the media."),
    codes: list[str] = typer.Argument(None, help="Media IDs, typed or scanned."),
    site: str = typer.Option(None, "--site", help="Where (ODS code; default home)."),
    operator: str = typer.Option(None, "--operator", help="Who (default $CUSTODY_OPERATOR)."),
    at: str = typer.Option(None, "--at", help="When it happened (ISO 8601; default now)."),
    prefix: str = typer.Option(None, "--prefix", help="Station: the scanner's prefix to strip."),
    suffix: str = typer.Option(None, "--suffix", help="Station: the scanner's suffix to strip."),
    journal: str = typer.Option(
        None, "--journal", help="Station: where scans wait while the ledger is unreachable."
    ),
    disc: Path = typer.Option(
        None, "--disc", help="receive: record the studies on this disc (one code only)."
    ),
) -> None:
    """Record a scan of each code; one line per code. Exit 1 if any was refused.

    With no codes, a scan station: reads codes from a USB scanner (or a pipe) until
    Ctrl-D or Ctrl-C; settings from `custody station-config`.
    """
    from ledger.errors import InvalidValue

    if not codes:
        from cli.station import start_station

        if at:
            raise InvalidValue("a station scans now: --at is for codes given on the command line")
        if disc is not None:
            raise InvalidValue("--disc describes one disc: scan one code with it")
        exit_code = start_station(
            ctx.find_root().params.get("db"),
            action.value,
            site=site,
            operator=operator,
            prefix=prefix,
            suffix=suffix,
            journal=journal,
        )
        raise typer.Exit(exit_code)
    from ledger.api import default_operator

    ledger = open_ledger(ctx)
    where = ledger.org(site).code if site else ledger.home.code
    who = operator or default_operator()
    when = ledger.when(at) if at else None
    detail: dict[str, object] | None = None
    notes: list[str] = []
    if disc is not None:
        from cli.disc import arrival_lines

        detail, notes = arrival_lines(ledger, action.value, codes, disc)
    counts: Counter[str] = Counter()
    with ledger.session():
        for code in codes:
            result = ledger.scan(
                action.value, code, site=where, operator=who, at=when, detail=detail
            )
            counts[result.outcome] += 1
            typer.echo(scan_line(result))
            if detail is not None and result.outcome == "recorded":
                for note in notes:
                    typer.echo(note)
    if len(codes) > 1:
        typer.echo(
            f"{counts['recorded']} recorded, {counts['duplicate']} duplicate, "
            f"{counts['refused']} refused",
            err=True,
        )
    if counts["refused"]:
        raise typer.Exit(1)
