"""`custody db`: the ledger's schema (status, upgrade) and moving it to another database."""

from __future__ import annotations

import typer

from cli.app import app
from cli.context import ledger_target

db_app = typer.Typer(help="The ledger's database: schema migrations, copying to PostgreSQL.")
app.add_typer(db_app, name="db")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Show the ledger's schema revision and the migrations it still needs."""
    from ledger import migrate, store

    state = migrate.status(store.open_engine(ledger_target(ctx)))
    current = state.current or "none (not a ledger)"
    if state.unstamped:
        current += " (made before migrations)"
    typer.echo(f"schema revision {current}")
    typer.echo(f"newest revision {state.head}")
    if not state.pending:
        typer.echo("up to date")
        return
    for m in state.pending:
        typer.echo(f"pending  {m.revision}  {m.summary}")
    typer.echo(f"{len(state.pending)} migration(s) pending: run `custody db upgrade`")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the ledger's schema up to this version of custody (SQLite or PostgreSQL)."""
    from ledger import migrate, store

    engine = store.open_engine(ledger_target(ctx))
    pending = migrate.status(engine).pending
    state = migrate.upgrade(engine)
    for m in pending:
        typer.echo(f"applied  {m.revision}  {m.summary}")
    typer.echo(f"schema revision {state.current} (up to date)")


@db_app.command("rebuild")
def db_rebuild(ctx: typer.Context) -> None:
    """Write the media projection again from the events (nothing else changes)."""
    from cli.context import open_ledger

    ledger = open_ledger(ctx)
    media = ledger.rebuild_projection()
    typer.echo(f"rebuilt the projection of {media} media from the events")


@db_app.command("copy")
def db_copy(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="The empty target: SQLAlchemy URL or file path."),
) -> None:
    """Copy this ledger, events, hashes and all, into an empty database; both must verify."""
    from ledger.dbcopy import copy_ledger

    report = copy_ledger(ledger_target(ctx), to)
    typer.echo(f"copied {report.events} events and {report.media} media to {_shown(to)}")
    typer.echo(f"head digest {report.head} (verified on the copy)")


def _shown(url: str) -> str:
    """A URL without its password, for the screen."""
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True) if "://" in url else url
