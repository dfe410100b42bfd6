"""`custody manifest`: what travels between organisations that keep separate ledgers."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.app import app
from cli.context import open_ledger
from cli.keys import KEY_FILE

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

manifest_app = typer.Typer(
    help="Manifests of dispatched media for a partner, and the partner's receipts coming back."
)
app.add_typer(manifest_app, name="manifest")


class FileFormat(StrEnum):
    """How a manifest is written."""

    json = "json"
    csv = "csv"


@manifest_app.command("export")
def manifest_export(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="The partner (ODS code) the media went to."),
    since: str = typer.Option(None, "--since", help="Only media dispatched since (ISO 8601)."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    fmt: FileFormat = typer.Option(
        None, "--format", help="json or csv (default: from the file's suffix, else json)."
    ),
    key: Path = KEY_FILE,
) -> None:
    """Write the media dispatched to a partner, for it to load as expected arrivals."""
    from ledger.manifests import export_manifest, write_file

    ledger = open_ledger(ctx)
    when = ledger.when(since) if since is not None else None
    manifest = export_manifest(ledger, to, when, signing_key(key))
    written = write_file(manifest, output, fmt.value if fmt else None)
    typer.echo(
        f"wrote {len(manifest.media)} media for {manifest.recipient} to {output} ({written})"
    )
    typer.echo(f"digest {manifest.digest}")
    typer.echo(_signed_line(manifest.signature))


def signing_key(key: Path | None) -> Ed25519PrivateKey | None:
    """The ledger's signing key if there is one to read, else None (files go unsigned)."""
    from ledger import signing
    from ledger.errors import SigningKeyError

    path = signing.key_path(key)
    if key is None and not path.exists():
        return None
    try:
        return signing.load_key(path)
    except SigningKeyError:
        if key is not None:
            raise
        return None


def _signed_line(signature: str) -> str:
    if signature:
        return "signed with this ledger's key"
    return "not signed: no signing key (custody key init); a partner holding our key refuses it"


@manifest_app.command("receipts")
def manifest_receipts(
    ctx: typer.Context,
    sender: str = typer.Option(..., "--from", help="The partner (ODS code) that sent the media."),
    since: str = typer.Option(None, "--since", help="Only events recorded since (ISO 8601)."),
    output: Path = typer.Option(..., "-o", "--output", help="The JSON file to write."),
    key: Path = KEY_FILE,
) -> None:
    """Write this ledger's receipt, handover and import events on a partner's media."""
    from ledger.manifests import export_receipts, write_file

    ledger = open_ledger(ctx)
    when = ledger.when(since) if since is not None else None
    receipts = export_receipts(ledger, sender, when, signing_key(key))
    write_file(receipts, output, "json")
    typer.echo(f"wrote {len(receipts.events)} events for {receipts.recipient} to {output}")
    typer.echo(f"digest {receipts.digest}")
    typer.echo(_signed_line(receipts.signature))


@manifest_app.command("import")
def manifest_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A partner's manifest (JSON or CSV) or receipts."),
    operator: str = typer.Option(None, "--operator", help="Who imports (default: you)."),
) -> None:
    """Load a partner's manifest (expected arrivals) or receipts; twice changes nothing."""
    from cli.context import default_operator
    from ledger.manifests import import_file

    report = import_file(open_ledger(ctx), file, operator=operator or default_operator())
    what = "expected media" if report.kind == "manifest" else "events"
    typer.echo(
        f"{report.kind} from {report.partner}: {report.recorded} {what} recorded, "
        f"{report.already} already recorded"
    )
    for line in report.skipped:
        typer.echo(f"  skipped {line}", err=True)


@manifest_app.command("expected")
def manifest_expected(
    ctx: typer.Context,
    sender: str = typer.Option(None, "--from", help="Only media from this partner."),
) -> None:
    """List media a partner's manifest announced that have not arrived, oldest first."""
    from ledger.clock import from_text, london
    from ledger.manifests import expected_not_arrived

    rows = expected_not_arrived(open_ledger(ctx), sender)
    for r in rows:
        flags = "URGENT" if r["urgent"] else ""
        typer.echo(
            f"{r['media_id']:<14} from {r['issuer']:<5} dispatched "
            f"{london(from_text(r['dispatched_at']))}  {flags}".rstrip()
        )
    typer.echo(f"{len(rows)} expected, not arrived", err=True)
