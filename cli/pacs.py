"""`custody pacs`: where the PACS is, and checking imports against it."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.app import app
from cli.context import open_ledger

if TYPE_CHECKING:
    from ledger.api import Ledger
    from pacs.comparison import Comparison
    from pacs.import_check import MediaCheck
    from pacs.query import PacsSettings

pacs_app = typer.Typer(help="The PACS: where it is, and whether discs were imported into it.")
app.add_typer(pacs_app, name="pacs")

URL_HELP = "DICOMweb root of the PACS (QIDO-RS), e.g. http://pacs:8042/dicom-web."
HOW_TO_CONFIGURE = (
    "run `custody pacs config --pacs URL` or "
    "`custody pacs config --ae-title AE --host HOST --port PORT`, or give them here"
)
# Tests replace this to run the watch loop without waiting.
sleep: Callable[[float], None] = time.sleep

# Where the PACS is, as `pacs config` saves it and `pacs verify` may give it for one run.
PACS_URL = typer.Option(None, "--pacs", help=URL_HELP)
AE_TITLE = typer.Option(None, "--ae-title", help="The PACS's AE title (DIMSE C-FIND).")
HOST = typer.Option(None, "--host", help="The PACS's host name or address (DIMSE).")
PORT = typer.Option(None, "--port", help="The PACS's DICOM port (DIMSE).")
CALLING_AE = typer.Option(
    None, "--calling-ae", help="Our AE title, as the PACS knows it (default CUSTODY)."
)
TIMEOUT = typer.Option(None, "--timeout", help="Seconds to wait for the PACS.")


def _settings(
    url: str | None,
    ae_title: str | None,
    host: str | None,
    port: int | None,
    calling_ae: str | None,
    timeout: float | None,
    config: Path | None,
) -> PacsSettings:
    """The PACS named on the command line, else the one in the config file."""
    from pacs.connection import config_path, settings_from_options

    given = settings_from_options(url, ae_title, host, port, calling_ae, timeout)
    return given or _saved(config or config_path())


def _saved(path: Path) -> PacsSettings:
    """The settings saved in `path`; if none were, the error says how to save them."""
    from pacs.connection import load_settings
    from pacs.errors import PacsSettingsMissing

    try:
        return load_settings(path)
    except PacsSettingsMissing as exc:
        raise PacsSettingsMissing(f"{exc}: {HOW_TO_CONFIGURE}") from None


@pacs_app.command("config")
def config(
    url: str = PACS_URL,
    ae_title: str = AE_TITLE,
    host: str = HOST,
    port: int = PORT,
    calling_ae: str = CALLING_AE,
    timeout: float = TIMEOUT,
    path: Path = typer.Option(
        None, "--file", help="Settings file (default $XDG_CONFIG_HOME/custody/pacs.toml)."
    ),
) -> None:
    """Save where the PACS is (a DICOMweb URL, or AE title, host and port); alone, show it."""
    from pacs.connection import config_path, save_settings, settings_from_options
    from pacs.import_check import pacs_label

    where = path or config_path()
    given = settings_from_options(url, ae_title, host, port, calling_ae, timeout)
    if given is None:
        settings = _saved(where)
        typer.echo(f"{pacs_label(settings)} (timeout {settings.timeout:g} s) from {where}")
        return
    save_settings(where, given)
    typer.echo(f"saved {pacs_label(given)} to {where}")


@pacs_app.command("verify")
def verify(
    ctx: typer.Context,
    media_ids: list[str] = typer.Argument(None, help="Media to check (or --pending)."),
    pending: bool = typer.Option(
        False,
        "--pending",
        help="Every medium with the PACS team, import failed, or imported but unchecked.",
    ),
    watch: bool = typer.Option(
        False, "--watch", help="Check pending media every --every minutes until Ctrl-C."
    ),
    every: float = typer.Option(5.0, "--every", help="Minutes between rounds with --watch."),
    rounds: int = typer.Option(
        None, "--rounds", help="Stop --watch after this many rounds (default: until Ctrl-C)."
    ),
    url: str = PACS_URL,
    ae_title: str = AE_TITLE,
    host: str = HOST,
    port: int = PORT,
    calling_ae: str = CALLING_AE,
    timeout: float = TIMEOUT,
    config_file: Path = typer.Option(
        None, "--config", help="Settings file (default $XDG_CONFIG_HOME/custody/pacs.toml)."
    ),
    operator: str = typer.Option(None, "--operator", help="Who checks (default: you)."),
) -> None:
    """Ask the PACS whether each disc's studies are all there; record imported or import-partial."""
    from cli.context import default_operator
    from ledger.errors import InvalidValue

    if media_ids and (pending or watch):
        raise InvalidValue("give media IDs or --pending/--watch, not both")
    if not media_ids and not (pending or watch):
        raise InvalidValue("give the media IDs to check, or --pending")
    settings = _settings(url, ae_title, host, port, calling_ae, timeout, config_file)
    ledger = open_ledger(ctx)
    who = operator or default_operator()
    if watch:
        _watch(ledger, settings, who, every, rounds)
        return
    checks = _check_round(ledger, settings, who, media_ids or None)
    if media_ids and any(c.verdict is None for c in checks):
        raise typer.Exit(1)


def _check_round(
    ledger: Ledger, settings: PacsSettings, operator: str, media_ids: Sequence[str] | None
) -> list[MediaCheck]:
    """Check the given media (or every pending one) once; print a line each and a summary."""
    from pacs.import_check import check_imports, pacs_label, pending_media

    started = time.perf_counter()
    codes = list(media_ids) if media_ids is not None else pending_media(ledger)
    checks = check_imports(ledger, settings, codes, operator=operator)
    for check in checks:
        for line in check_lines(check):
            typer.echo(line)
    typer.echo(summary(checks, pacs_label(settings), time.perf_counter() - started), err=True)
    return checks


def _watch(
    ledger: Ledger, settings: PacsSettings, operator: str, every: float, rounds: int | None
) -> None:
    """Check pending media every `every` minutes; an unreachable PACS waits for the next round."""
    from ledger.clock import london
    from pacs.errors import PacsQueryFailed, PacsUnreachable

    done = 0
    try:
        while rounds is None or done < rounds:
            if done:
                sleep(every * 60)
            done += 1
            typer.echo(f"round {done} at {london(ledger.clock())}", err=True)
            try:
                _check_round(ledger, settings, operator, None)
            except (PacsUnreachable, PacsQueryFailed) as exc:
                typer.echo(f"error: {exc} (trying again in {every:g} min)", err=True)
    except KeyboardInterrupt:
        typer.echo(f"stopped after {done} round(s)", err=True)


def summary(checks: Sequence[MediaCheck], pacs: str, seconds: float) -> str:
    """One line: how many media were verified, partial, not found, skipped; what was recorded."""
    from pacs.comparison import Verdict

    counts = Counter(c.verdict.value if c.verdict else "skipped" for c in checks)
    recorded = sum(c.recorded is not None for c in checks)
    parts = [f"{counts[v.value]} {v.value.replace('-', ' ')}" for v in Verdict]
    return (
        f"checked {len(checks)} media against {pacs} in {seconds:.1f} s: "
        f"{', '.join(parts)}, {counts['skipped']} skipped; {recorded} recorded"
    )


def check_lines(check: MediaCheck) -> list[str]:
    """One medium's check for the PACS desk: a headline, then one line per study if several."""
    from ledger.events import Action
    from ledger.transitions import Status
    from pacs.comparison import Verdict, describe
    from pacs.import_check import Basis

    if check.status is None:
        return [f"REFUSED {check.reason}"]
    if check.verdict is None:
        return [f"SKIPPED {check.media_id}: {check.reason}"]
    if check.recorded == Action.IMPORTED:
        outcome = "recorded imported (verified)"
    elif check.recorded == Action.IMPORT_PARTIAL:
        outcome = "recorded import-partial; status import-failed"
    elif check.verdict is Verdict.NOT_FOUND:
        outcome = (
            "nothing recorded; marked imported but the PACS does not hold it"
            if check.status == Status.IMPORTED
            else "nothing recorded"
        )
    else:
        outcome = "already recorded"

    def study_text(c: Comparison) -> str:
        if check.basis is Basis.UID_ONLY and c.verdict is Verdict.VERIFIED:
            return (
                f"present in PACS with {c.found_instances} instances "
                "(no counts recorded for this disc: only presence checked)"
            )
        return describe(c)

    if check.basis is Basis.UID_ONLY and check.verdict is Verdict.VERIFIED:
        head = "PRESENT"
    else:
        head = check.verdict.value.upper().replace("-", " ")
    if len(check.comparisons) == 1:
        return [f"{head} {check.media_id}: {study_text(check.comparisons[0])} - {outcome}"]
    return [
        f"{head} {check.media_id}: {len(check.comparisons)} studies - {outcome}",
        *(f"  {c.study_uid}: {study_text(c)}" for c in check.comparisons),
    ]
