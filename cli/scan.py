"""`custody scan`: the post room and the PACS desk record what happened to each medium."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.app import app
from cli.choices import ScanAction
from cli.context import open_ledger
from cli.formats import scan_line, tracking_line

if TYPE_CHECKING:
    from ledger.api import Ledger, ScanResult


@app.command()
def scan(
    ctx: typer.Context,
    action: ScanAction = typer.Argument(..., help="What happened to the media."),
    codes: list[str] = typer.Argument(
        None, help="Media IDs, typed or scanned (with --image: image files)."
    ),
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
    image: bool = typer.Option(
        False,
        "--image",
        help="The arguments are photos, scans or PDFs of labels: scan every media ID in them.",
    ),
    tracking: str = typer.Option(
        None,
        "--tracking",
        help="dispatch: the parcel's tracking reference (a Royal Mail S10 code is checked).",
    ),
) -> None:
    """Record a scan of each code; one line per code. Exit 1 if any was refused.

    With no codes, a scan station: reads codes from a USB scanner (or a pipe) until
    Ctrl-D or Ctrl-C; settings from `custody station-config`.
    """
    from cli.context import default_operator
    from ledger.api import tracking_for_scan
    from ledger.errors import InvalidValue

    if image and not codes:
        raise InvalidValue("give the image files to scan")
    parcel_ref = tracking_for_scan(action.value, tracking, station=not codes)
    if not codes:
        settings = {"site": site, "operator": operator, "prefix": prefix, "suffix": suffix}
        raise typer.Exit(_station(ctx, action.value, at, disc, journal=journal, **settings))
    ledger = open_ledger(ctx)
    where = ledger.org(site).code if site else ledger.home.code
    who = operator or default_operator()
    when = ledger.when(at) if at is not None else None
    detail: dict[str, object] | None = None
    notes: list[str] = []
    if disc is not None:
        if image:
            raise InvalidValue("--disc and --image do not go together")
        from cli.disc import arrival_lines

        detail, notes = arrival_lines(ledger, action.value, codes, disc)
    work: list[str | ScanResult] = images_to_scan([Path(c) for c in codes]) if image else [*codes]
    given = {"site": where, "operator": who, "at": when, "detail": detail}
    counts, in_parcel = _record_scans(ledger, action.value, work, given, notes)
    if parcel_ref is not None and in_parcel:
        attached = ledger.attach_tracking(
            in_parcel, parcel_ref.text, site=where, operator=who, at=when
        )
        typer.echo(tracking_line(attached))
    if len(work) > 1:
        typer.echo(
            f"{counts['recorded']} recorded, {counts['duplicate']} duplicate, "
            f"{counts['refused']} refused",
            err=True,
        )
    if counts["refused"]:
        raise typer.Exit(1)


def _station(
    ctx: typer.Context, action: str, at: str | None, disc: Path | None, **settings: str | None
) -> int:
    """The scan station (no codes given): reads a scanner until Ctrl-D; its exit code."""
    from cli.station import start_station
    from ledger.errors import InvalidValue

    if at is not None:
        raise InvalidValue("a station scans now: --at is for codes given on the command line")
    if disc is not None:
        raise InvalidValue("--disc describes one disc: scan one code with it")
    return start_station(ctx.find_root().params.get("db"), action, **settings)


def _record_scans(
    ledger: Ledger,
    action: str,
    work: Sequence[str | ScanResult],
    given: dict[str, Any],
    notes: list[str],
) -> tuple[Counter[str], list[str]]:
    """Scan each code (an image's refusal is printed as it is), printing a line each; the
    outcomes counted, and the media that went into the parcel."""
    from ledger.api import ScanResult

    counts: Counter[str] = Counter()
    in_parcel: list[str] = []
    with ledger.session():
        for item in work:
            result = item if isinstance(item, ScanResult) else ledger.scan(action, item, **given)
            counts[result.outcome] += 1
            typer.echo(scan_line(result))
            if result.media_id and result.outcome in ("recorded", "duplicate"):
                in_parcel.append(result.media_id)
            if given["detail"] is not None and result.outcome == "recorded":
                for note in notes:
                    typer.echo(note)
    return counts, in_parcel


def images_to_scan(images: Sequence[Path]) -> list[str | ScanResult]:
    """The media IDs decoded from each image, each once, in order; a refusal for an image with none.

    Every image is read before anything is recorded, so a file that cannot be read stops the
    command with nothing scanned.
    """
    from labels.decode import decode_file
    from ledger.api import ScanResult

    seen: set[str] = set()
    work: list[str | ScanResult] = []
    for path in images:
        found = sorted(decode_file(path))
        if not found:
            reason = f"no media ID barcode found in {path}"
            work.append(ScanResult(str(path), "refused", reason=reason))
        work.extend(media_id for media_id in found if media_id not in seen)
        seen.update(found)
    return work
