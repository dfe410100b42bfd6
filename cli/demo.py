"""`custody demo`: a realistic synthetic ledger to try every command on, and its reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.app import app

if TYPE_CHECKING:
    from ledger.api import Ledger


@app.command()
def demo(
    directory: Path = typer.Option(
        Path("custody-demo"), "--dir", help="Where to build it (rebuilt if there)."
    ),
) -> None:
    """Build a synthetic ledger (a hospital, six partners, three months of media) and reports."""
    from demo.report_examples import add_examples, write_reports
    from demo.synthetic import add_demo_accounts, build_demo
    from ledger.api import Ledger
    from ledger.clock import utcnow

    s = build_demo(directory)
    clock = [utcnow()]
    ledger = Ledger.open(str(s.db_path), clock=lambda: clock[0])
    transfers, filed, closed = add_examples(ledger, clock)
    people = add_demo_accounts(ledger)
    check = ledger.verify_chain()
    typer.echo(f"demo ledger: {s.db_path}")
    typer.echo(f"  {s.organisations} organisations, {s.media} media, {check.events} events")
    typer.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in s.by_status.items()))
    typer.echo(
        f"  {s.exceptions} encryption exceptions, {s.anomalies} media with sequence anomalies"
    )
    typer.echo(f"  {transfers} electronic transfers, {filed} IR1s filed ({closed} closed)")
    typer.echo(f"  head digest {check.head}")
    typer.echo("reports:")
    for path in write_reports(ledger, directory):
        typer.echo(f"  {path}")
    demo_labels(s.db_path, directory)
    demo_handover_form(ledger, directory)
    typer.echo("try:")
    typer.echo(f"  custody --db {s.db_path} list --status lost")
    typer.echo(f"  custody --db {s.db_path} report unreconciled")
    typer.echo(f"  custody --db {s.db_path} report incidents")
    typer.echo(f"  custody --db {s.db_path} verify")
    typer.echo("the web app (then open http://127.0.0.1:8000/ and sign in):")
    typer.echo(f"  custody --db {s.db_path} serve")
    for name, role, password in people:
        typer.echo(f"  {name:<11} password {password}  ({role})")


def demo_labels(db_path: Path, directory: Path) -> None:
    """Label sheets for the media waiting for one: an Avery L7160 PDF and one Brother PNG."""
    from cli.label import label_contents
    from labels.sheets import write_labels
    from ledger.api import Ledger
    from ledger.labelling import waiting_for_label

    ledger = Ledger.open(str(db_path))
    try:
        waiting = waiting_for_label(ledger).media_ids
        if not waiting:
            typer.echo("labels: no media waiting for a label")
            return
        contents = label_contents(ledger, waiting)
    finally:
        ledger.engine.dispose()
    # Written but not recorded as printed, so `custody label --status registered` still has work.
    sheet = write_labels(contents, directory / "labels-avery-l7160.pdf", "avery-l7160")[0]
    roll = write_labels(contents[:1], directory / "label-brother-62x29.png", "brother-62x29")[0]
    media = f"{len(contents)} {'medium' if len(contents) == 1 else 'media'}"
    typer.echo(f"labels for the {media} waiting for one (not recorded as labelled):")
    typer.echo(f"  {sheet}")
    typer.echo(f"  {roll}")


def demo_handover_form(ledger: Ledger, directory: Path) -> None:
    """The handover form of one disc handed to its patient, to see what the desk prints."""
    from labels.handover import write_handover_form

    handed = [r for r in ledger.list_media() if r["exception"] == "patient-handover"]
    if not handed:
        return
    facts = ledger.handover_facts(handed[-1]["media_id"])
    path = write_handover_form(directory / "handover-form.pdf", **facts._asdict())
    typer.echo(f"handover form for {facts.media_id} (an unencrypted disc handed to its patient):")
    typer.echo(f"  {path}")
