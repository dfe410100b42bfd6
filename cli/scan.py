"""`custody scan`: the post room and the PACS desk record what happened to each medium."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

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
) -> None:
    """Record a scan of each code; one line per code. Exit 1 if any was refused."""
    from ledger.api import default_operator
    from ledger.errors import InvalidValue

    if not codes:
        raise InvalidValue("give the media IDs to scan")
    ledger = open_ledger(ctx)
    where = ledger.org(site).code if site else ledger.home.code
    who = operator or default_operator()
    when = ledger.when(at) if at else None
    counts: Counter[str] = Counter()
    with ledger.session():
        for code in codes:
            result = ledger.scan(action.value, code, site=where, operator=who, at=when)
            counts[result.outcome] += 1
            typer.echo(scan_line(result))
    if len(codes) > 1:
        typer.echo(
            f"{counts['recorded']} recorded, {counts['duplicate']} duplicate, "
            f"{counts['refused']} refused",
            err=True,
        )
    if counts["refused"]:
        raise typer.Exit(1)
