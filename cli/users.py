"""`custody user`: accounts for the web app, their roles, passwords and badges."""

from __future__ import annotations

import sys

import typer

from cli.app import app
from cli.context import open_accounts
from ledger.errors import InvalidValue

user_app = typer.Typer(help="Accounts that sign in to the web app (custody serve).")
app.add_typer(user_app, name="user")


def read_password(prompt: str = "password") -> str:
    """A password typed twice at a prompt, or one line from standard input (for scripts)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise InvalidValue("no password on standard input (give it as one line)")
        return line.rstrip("\r\n")
    first = typer.prompt(prompt, hide_input=True)
    if typer.prompt(f"{prompt} again", hide_input=True) != first:
        raise InvalidValue("the two passwords differ; nothing changed")
    return str(first)


def _roles(roles: list[str]) -> list[str]:
    """Roles given as repeated options or comma-separated."""
    return [r for given in roles for r in given.split(",")]


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Account name, e.g. j.smith (the operator of events)."),
    role: list[str] = typer.Option(
        ...,
        "--role",
        help="post-room, pacs-desk, governance or admin (repeat, or separate by commas).",
    ),
    email: str = typer.Option(None, "--email", help="The person's email address."),
) -> None:
    """Add an account; the password is asked for (or read as one line from standard input)."""
    accounts = open_accounts(ctx)
    account = accounts.add(name, roles=_roles(role), password=read_password(), email=email)
    typer.echo(f"added {account.name} ({', '.join(account.roles)})")


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """Every account: roles, email, badge, disabled or locked."""
    from ledger.clock import london, utcnow

    now = utcnow()
    for a in open_accounts(ctx).all():
        flags = []
        if a.disabled:
            flags.append("disabled")
        if a.locked_until and a.locked_until > now:
            flags.append(f"locked until {london(a.locked_until)}")
        if a.has_badge:
            flags.append("badge")
        typer.echo(
            f"{a.name:<20} {','.join(a.roles):<32} {a.email or '-':<30} {' '.join(flags)}".rstrip()
        )


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """The account may no longer sign in; its sessions end and its badge is revoked."""
    typer.echo(f"disabled {open_accounts(ctx).disable(name).name}")


@user_app.command("enable")
def user_enable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """A disabled or locked-out account may sign in again."""
    typer.echo(f"enabled {open_accounts(ctx).enable(name).name}")


@user_app.command("password")
def user_password(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Set a new password (asked for, or one line from standard input); ends its sessions."""
    accounts = open_accounts(ctx)
    account = accounts.get(name)
    typer.echo(f"new password for {accounts.set_password(account.name, read_password()).name}")


@user_app.command("edit")
def user_edit(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    email: str = typer.Option(None, "--email", help="A new email address."),
    role: list[str] = typer.Option(None, "--role", help="Replace the roles (as for add)."),
) -> None:
    """Change an account's email address or roles."""
    account = open_accounts(ctx).edit(name, email=email, roles=_roles(role) if role else None)
    typer.echo(f"{account.name}: {', '.join(account.roles)}, {account.email or 'no email'}")


@user_app.command("badge")
def user_badge(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke the badge instead."),
) -> None:
    """Issue a new badge code (the old one stops working) and print it once; or revoke it.

    `custody station-sheet --badge NAME -o sheet.pdf` issues one and prints it as a barcode.
    """
    accounts = open_accounts(ctx)
    if revoke:
        typer.echo(f"revoked the badge of {accounts.revoke_badge(name).name}")
        return
    typer.echo(accounts.issue_badge(name))


@user_app.command("sign-ins")
def user_sign_ins(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", help="How many, newest first."),
) -> None:
    """The log of sign-ins, sign-outs and failed sign-ins: when, who, from where."""
    from ledger.clock import london

    for s in open_accounts(ctx).sign_ins(limit):
        detail = f"  {s.detail}" if s.detail else ""
        typer.echo(
            f"{london(s.at, seconds=True)}  {s.outcome:<10} {s.name:<20} {s.address or '-'}{detail}"
        )
