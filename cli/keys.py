"""`custody key` and `custody checkpoint`: the ledger's signing key and signed chain heads."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app

key_app = typer.Typer(help="The ledger's Ed25519 signing key, kept outside the database.")
app.add_typer(key_app, name="key")

KEY_FILE = typer.Option(
    None,
    "--key",
    help="The private key file (default $CUSTODY_KEY, else ~/.config/custody/signing.key).",
)


@key_app.command("init")
def key_init(ctx: typer.Context, key: Path = KEY_FILE) -> None:
    """Make the key pair (private key file 0600); print the public key on one line."""
    from ledger import signing
    from ledger.errors import CustodyError

    path = signing.key_path(key)
    public = signing.public_text(signing.create_key(path).public_key())
    typer.echo(public)
    typer.echo(f"private key written to {path} (readable only by this account)", err=True)
    try:
        from cli.context import open_ledger

        open_ledger(ctx).record_signing_key(public)
        typer.echo("recorded as this ledger's signing key", err=True)
    except CustodyError as exc:
        typer.echo(f"not recorded in a ledger ({exc})", err=True)


@key_app.command("show")
def key_show(key: Path = KEY_FILE) -> None:
    """Print the public key again, on one line (give it to partners and auditors)."""
    from ledger import signing

    typer.echo(signing.public_text(signing.load_key(signing.key_path(key)).public_key()))


@app.command()
def checkpoint(ctx: typer.Context, key: Path = KEY_FILE) -> None:
    """Sign the chain head now; print it as DIGEST@COUNT (keep it: `verify --expect` takes it)."""
    from cli.context import open_ledger
    from ledger import signing

    signed = open_ledger(ctx).checkpoint(signing.load_key(signing.key_path(key)))
    typer.echo(str(signed))
    typer.echo(f"signed {signed.signed_at} by {signed.public_key}", err=True)


def trusted_public_key(given: str | None, key: Path | None) -> str | None:
    """The key to check signatures against: as given, else the key file's if it can be read."""
    from ledger import signing
    from ledger.errors import SigningKeyError

    if given:
        return given
    try:
        return signing.public_text(signing.load_key(signing.key_path(key)).public_key())
    except SigningKeyError:
        return None
