"""`custody label`: print barcoded labels for media, and record that they were printed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.app import app, message
from cli.context import open_ledger
from labels.templates import TEMPLATES

if TYPE_CHECKING:
    from labels.content import LabelContent
    from labels.templates import Template
    from ledger.api import Ledger


def label_contents(
    ledger: Ledger, media_ids: Sequence[str], patient_ref: str | None = None
) -> list[LabelContent]:
    """What each medium's label shows, from the ledger, dated today (UK)."""
    from labels.content import make_label_content
    from ledger.clock import LONDON
    from ledger.labelling import label_facts

    today = ledger.clock().astimezone(LONDON).date()
    return [
        make_label_content(**facts._asdict(), date=today, patient_ref=patient_ref)
        for facts in label_facts(ledger, media_ids)
    ]


def written_lines(paths: Sequence[Path], template: Template, count: int, start: int) -> list[str]:
    """What `custody label` wrote: each file (with its pages), then how many labels on what."""
    grid = template.grid
    if grid is not None:
        pages = (start - 1 + count - 1) // grid.per_sheet + 1
        where = f" from sheet position {start}" if start > 1 else ""
        return [
            f"wrote {paths[0]} ({pages} page{'s' if pages > 1 else ''})",
            f"{count} label{'s' if count > 1 else ''} on {template.name}{where}",
        ]
    lines = [
        f"wrote {p} ({count} pages)" if p.suffix.lower() == ".pdf" and count > 1 else f"wrote {p}"
        for p in paths
    ]
    return [*lines, f"{count} label{'s' if count > 1 else ''} on {template.name}"]


def _check_choice(
    codes: list[str] | None, status: str | None, reprints: bool, patient_ref: str | None
) -> None:
    """Which media to label: IDs, or `--status registered`; InvalidValue for a mix."""
    from ledger.errors import InvalidValue

    if reprints and not status:
        raise InvalidValue("--all goes with --status registered")
    if codes and status:
        raise InvalidValue("give media IDs or --status registered, not both")
    if not codes and not status:
        raise InvalidValue("give the media IDs to label, or --status registered")
    if status and status != "registered":
        raise InvalidValue(
            f"--status {status!r}: labels are printed for media not yet sent (--status registered)"
        )
    if patient_ref is not None and (status or len(codes or []) != 1):
        raise InvalidValue("--patient-ref goes on one medium's label: give exactly one media ID")


def _media_to_label(ledger: Ledger, codes: list[str] | None, reprints: bool) -> list[str]:
    """The media waiting for a label (each one skipped said so on stderr)."""
    from ledger.labelling import waiting_for_label

    waiting = waiting_for_label(ledger, reprints=reprints)
    for media_id, reason in waiting.skipped:
        typer.echo(f"skipped {media_id}: {message(reason)}", err=True)
    return list(waiting.media_ids)


@app.command()
def label(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(None, help="Media IDs to label (or use --status)."),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="Where: a .pdf (sheets, or one label a page), a .png (one label), or a folder.",
    ),
    template: str = typer.Option(
        "avery-l7160",
        "--template",
        help=f"Label stock: {', '.join(TEMPLATES)}.",
    ),
    offset_x: float = typer.Option(
        0.0, "--offset-x", help="Shift the sheet right by MM (negative: left)."
    ),
    offset_y: float = typer.Option(
        0.0, "--offset-y", help="Shift the sheet down by MM (negative: up)."
    ),
    start: int = typer.Option(1, "--start", help="First free position on a part-used sheet."),
    patient_ref: str = typer.Option(
        None,
        "--patient-ref",
        help="Opt in: the patient's initials or hospital number on one label (never NHS number).",
    ),
    status: str = typer.Option(
        None,
        "--status",
        help="'registered': every medium waiting for a label (registered, never labelled).",
    ),
    reprints: bool = typer.Option(
        False, "--all", help="With --status registered: include media labelled before."
    ),
    operator: str = typer.Option(None, "--operator", help="Who (default $CUSTODY_OPERATOR)."),
) -> None:
    """Print labels for media and record each as labelled (a reprint shows in its history)."""
    from cli.context import default_operator
    from labels.sheets import write_labels
    from labels.templates import get_template

    _check_choice(codes, status, reprints, patient_ref)
    tpl = get_template(template)
    ledger = open_ledger(ctx)
    media_ids = _media_to_label(ledger, codes, reprints) if status else list(codes)
    if not media_ids:
        typer.echo("no media are waiting for a label; nothing written")
        return
    contents = label_contents(ledger, media_ids, patient_ref)
    ledger.check_writable()  # a read-only ledger: say so before printing anything
    paths = write_labels(
        contents, output, tpl, start=start, offset_x_mm=offset_x, offset_y_mm=offset_y
    )
    try:
        events = ledger.labelled(
            [c.media_id for c in contents],
            template=tpl.name,
            file=output.name,
            operator=operator or default_operator(),
            patient_ref=patient_ref is not None,
        )
    except BaseException:
        # Labels the ledger does not know were printed must not be printed: take them back.
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    for line in written_lines(paths, tpl, len(contents), start):
        typer.echo(line)
    typer.echo(f"recorded {len(events)} medi{'a' if len(events) > 1 else 'um'} as labelled")
