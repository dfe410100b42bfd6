"""`custody serve`: the web app over the same ledger as the CLI."""

from __future__ import annotations

import os

import typer

from cli.app import app
from cli.context import ledger_target, open_ledger


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (several need a PostgreSQL ledger)."
    ),
    proxy: str = typer.Option(
        "127.0.0.1",
        "--proxy",
        help="Addresses of the reverse proxy (nginx) whose X-Forwarded-For/-Proto to trust.",
    ),
) -> None:
    """Serve the web app (scan desk, media pages, registration) over this ledger."""
    import uvicorn

    from ledger import store
    from ledger.errors import InvalidValue

    ledger = open_ledger(ctx)  # a missing or old ledger is a one-line error here, not in a worker
    if workers < 1:
        raise InvalidValue("--workers must be at least 1")
    if workers > 1 and store.is_sqlite(ledger.engine):
        raise InvalidValue(
            "an SQLite ledger is served by one worker; use PostgreSQL for several (--workers 1)"
        )
    ledger.engine.dispose()
    os.environ["CUSTODY_DB"] = ledger_target(ctx)
    typer.echo(f"custody: serving {ledger_target(ctx)} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(
        "web.asgi:make",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=proxy,
        log_level="warning",
        server_header=False,
    )
