"""`custody init` and `custody org`: the home organisation and its partners."""

from __future__ import annotations

import json

import typer

from cli.app import app
from cli.context import ledger_target, open_ledger

PUBLIC_KEY = typer.Option(
    None,
    "--public-key",
    help="The partner's public key (as its `custody key show` prints it): its manifests and "
    "receipts must then be signed with it.",
)
org_app = typer.Typer(help="Partner organisations (destinations and senders), by ODS code.")
app.add_typer(org_app, name="org")


@app.command()
def init(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="The home organisation's ODS code, e.g. RGT."),
    name: str = typer.Option(..., "--name", help="The home organisation's name."),
    address: str = typer.Option(
        None, "--address", help="Its postal address (the return address on labels)."
    ),
) -> None:
    """Create the ledger and set the home organisation."""
    from ledger.api import Ledger

    ledger = Ledger.create(ledger_target(ctx), org, name, address=address)
    home = ledger.home
    typer.echo(f"created ledger for {home.code} {home.name} at {ledger_target(ctx)}")


@org_app.command("add")
def org_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="ODS code, 3 to 5 capitals and digits."),
    name: str = typer.Option(..., "--name", help="The organisation's name."),
    address: str = typer.Option(None, "--address", help="Postal address (for return labels)."),
    public_key: str = PUBLIC_KEY,
) -> None:
    """Add a partner organisation."""
    org = open_ledger(ctx).add_org(code, name, address, public_key)
    typer.echo(f"added {org.code} {org.name}" + (" with its public key" if org.public_key else ""))


@org_app.command("list")
def org_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the organisations, home first."""
    orgs = open_ledger(ctx).organisations()
    if as_json:
        typer.echo(json.dumps([o._asdict() for o in orgs], indent=2))
        return
    for o in orgs:
        typer.echo(f"{o.code:<5}  {o.name}{'  (home)' if o.home else ''}")


@org_app.command("edit")
def org_edit(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="ODS code of the organisation."),
    name: str = typer.Option(None, "--name", help="A new name."),
    address: str = typer.Option(None, "--address", help='A new postal address ("" clears it).'),
    email: str = typer.Option(
        None, "--email", help='Its custody mailbox, for reminders of overdue receipts ("" clears).'
    ),
    public_key: str = PUBLIC_KEY,
) -> None:
    """Change an organisation's name, address, custody mailbox or public key."""
    org = open_ledger(ctx).edit_org(
        code, name=name, address=address, email=email, public_key=public_key
    )
    typer.echo(f"{org.code} {org.name}: {org.address or 'no address'}, {org.email or 'no email'}")
    if public_key is not None:
        typer.echo(f"public key {org.public_key}: its manifests and receipts must be signed")
