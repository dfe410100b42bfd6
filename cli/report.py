"""`custody report`: unreconciled media, IR1 incidents, the monthly governance report."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.app import app
from cli.context import open_ledger
from cli.keys import KEY_FILE

if TYPE_CHECKING:
    import pandas as pd

    from ledger.api import Ledger

report_app = typer.Typer(
    no_args_is_help=True,
    help="Reports: unreconciled media, IR1 incidents, the monthly governance report.",
)
app.add_typer(report_app, name="report")


class Format(StrEnum):
    """How a report is written."""

    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    html = "html"


AS_OF = typer.Option(None, "--as-of", help="Count working days up to this day (default today).")
FORMAT = typer.Option(Format.table, "--format", "-f", help="table, csv, json, xlsx or html.")
OUTPUT = typer.Option(None, "-o", "--output", help="Write to this file (xlsx needs one).")
THRESHOLDS = typer.Option(
    None,
    "--thresholds",
    envvar="CUSTODY_THRESHOLDS",
    help="Thresholds file (default $XDG_CONFIG_HOME/custody/thresholds.toml).",
)


def _day(text: str | None, ledger: Ledger, option: str) -> date:
    """A day typed as YYYY-MM-DD, or today in London."""
    from ledger.clock import LONDON
    from ledger.errors import InvalidTime

    if text is None:
        return ledger.clock().astimezone(LONDON).date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidTime(f"{option} {text!r} is not a day (use YYYY-MM-DD)") from None


def _emit(
    df: pd.DataFrame,
    fmt: Format,
    output: Path | None,
    *,
    title: str,
    subtitle: str,
    sheet: str,
    summary: list[str] | None = None,
) -> None:
    """Write one table report in the chosen format; table and html show `summary` columns."""
    from reports import output as out

    shown = df[summary] if summary else df
    if fmt == Format.xlsx:
        out.write_xlsx({sheet: df}, _need_file(output))
        typer.echo(f"wrote {output}", err=True)
        return
    text = {
        Format.table: lambda: f"{title}\n{subtitle}\n\n{out.table_text(shown)}\n",
        Format.csv: lambda: out.csv_text(df),
        Format.json: lambda: out.json_text(df) + "\n",
        Format.html: lambda: out.html_page(title, subtitle, shown),
    }[fmt]()
    _write(text, output)


def _need_file(output: Path | None) -> Path:
    from ledger.errors import InvalidValue

    if output is None:
        raise InvalidValue("--format xlsx writes a file: give it with -o FILE")
    return output


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    from ledger.files import write_private

    write_private(output, text)
    typer.echo(f"wrote {output}", err=True)


@report_app.command()
def unreconciled(
    ctx: typer.Context,
    as_of: str = AS_OF,
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
    thresholds: Path = THRESHOLDS,
) -> None:
    """Media outstanding past their reminder threshold, for the PACS team (with patient IDs)."""
    from reports.thresholds import load_thresholds
    from reports.unreconciled import unreconciled as build

    ledger = open_ledger(ctx)
    day = _day(as_of, ledger, "--as-of")
    df = build(ledger, day, load_thresholds(thresholds))
    subtitle = f"{ledger.home.code}, as of {day.isoformat()}: {len(df)} media (Europe/London times)"
    _emit(df, fmt, output, title="Unreconciled media", subtitle=subtitle, sheet="Unreconciled")


@report_app.command()
def incidents(
    ctx: typer.Context,
    as_of: str = AS_OF,
    since: str = typer.Option(
        None, "--since", help="Incidents that arose from this day (default 90 days before)."
    ),
    include_closed: bool = typer.Option(False, "--all", help="Include closed IR1s."),
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
    thresholds: Path = THRESHOLDS,
) -> None:
    """IR1 candidates: one row per (medium, reason) with the facts an IR1 form asks for."""
    from reports.incidents import SUMMARY_COLUMNS
    from reports.incidents import incidents as build
    from reports.thresholds import load_thresholds

    ledger = open_ledger(ctx)
    day = _day(as_of, ledger, "--as-of")
    first = _day(since, ledger, "--since") if since else day - timedelta(days=90)
    df = build(ledger, day, load_thresholds(thresholds), since=first, include_closed=include_closed)
    subtitle = (
        f"{ledger.home.code}, from {first.isoformat()} to {day.isoformat()}: {len(df)} "
        f"{'incidents' if include_closed else 'open incidents'} (Europe/London times)"
    )
    subtitle += "; all the IR1 facts are in csv, json and xlsx" if fmt in ("table", "html") else ""
    _emit(
        df,
        fmt,
        output,
        title="IR1 incident candidates",
        subtitle=subtitle,
        sheet="Incidents",
        summary=SUMMARY_COLUMNS,
    )


@report_app.command()
def monthly(
    ctx: typer.Context,
    month: str = typer.Option(None, "--month", help="YYYY-MM (default last month)."),
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
    thresholds: Path = THRESHOLDS,
    key: Path = KEY_FILE,
) -> None:
    """The month for the governance lead: partners, exceptions, incidents, routes, trend.

    With the ledger's signing key, the month-end head is signed and kept as a checkpoint.
    """
    from ledger.clock import LONDON
    from reports import output as out
    from reports.monthly import monthly as build
    from reports.thresholds import load_thresholds

    ledger = open_ledger(ctx)
    if month is None:
        today = ledger.clock().astimezone(LONDON).date()
        month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    report = build(ledger, month, load_thresholds(thresholds))
    report = replace(report, signed=_sign_head(ledger, report.events, report.head, key))
    if fmt == Format.xlsx:
        out.write_xlsx(report.tables, _need_file(output))
        typer.echo(f"wrote {output}", err=True)
    elif fmt == Format.html:
        from reports.monthly_html import monthly_html

        _write(monthly_html(report), output)
    elif fmt == Format.csv:
        _write(out.csv_text(report.partners), output)
    elif fmt == Format.json:
        _write(out.json_text(report.partners) + "\n", output)
    else:
        parts = [f"Monthly governance report {report.month}: {report.home} {report.home_name}", ""]
        parts += [f"  {k}: {v}" for k, v in report.headline]
        for name, df in report.tables.items():
            parts += ["", name, out.table_text(df)]
        parts += ["", f"Ledger at the end of {report.month}: {report.events} events"]
        parts += [f"head {report.head}@{report.events}", report.signed, ""]
        _write("\n".join(parts), output)


def _sign_head(ledger: Ledger, events: int, head: str, key: Path | None) -> str:
    """Sign the month-end head with the ledger's key, if this account has it; say what was done."""
    from cli.manifest import signing_key
    from ledger.errors import CustodyError

    private = signing_key(key)
    if private is None:
        return "not signed: no signing key here (custody key init)"
    try:
        signed = ledger.checkpoint(private, head=(events, head))
    except CustodyError as exc:
        return f"not signed: {exc}"
    return f"signed {signed.signed_at} by {signed.public_key}: {signed.signature}"


@report_app.command("thresholds")
def show_thresholds(thresholds: Path = THRESHOLDS) -> None:
    """Print the thresholds in force (working days), as a file you can edit and save."""
    from reports.thresholds import load_thresholds, thresholds_path, thresholds_toml

    path = thresholds or thresholds_path()
    state = "read from" if path.exists() else "defaults; save this as"
    typer.echo(f"# {state} {path}")
    typer.echo(thresholds_toml(load_thresholds(path)), nl=False)
