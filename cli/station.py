"""The scan station: `custody scan ACTION` reading a USB barcode scanner (or a pipe).

On a terminal, a live screen the clerk can read from across the counter; from
a pipe, one result line per code, flushed at once. The ledger logic is in
station.wedge; this module only reads keys and draws.
"""

from __future__ import annotations

import codecs
import io
import os
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO, cast

import typer

from cli.app import app, message
from cli.context import open_accounts
from cli.formats import scan_line
from ledger.clock import london, utcnow
from ledger.errors import CustodyError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live
    from rich.table import Table
    from rich.text import Text

    from ledger.api import Ledger
    from ledger.events import Event
    from station.config_file import StationConfig
    from station.wedge import Outcome, Station

RECENT = 6
# Seconds between the two rings of a refusal's double bell (sent together, terminals merge them).
DOUBLE_BELL_GAP = 0.25


def outcome_line(outcome: Outcome) -> str:
    """The one line a pipe gets for each line it sent."""
    if outcome.scan is not None:
        return scan_line(outcome.scan)
    match outcome.kind:
        case "tracking":
            return f"TRACKING {outcome.reason} - attached to {' '.join(outcome.parcel)}"
        case "queued" if outcome.parcel:
            parcel = " ".join(outcome.parcel)
            return f"QUEUED tracking {outcome.reason} - {parcel} - offline - queued"
        case "queued":
            return f"QUEUED {outcome.media_id} {outcome.action} - offline - queued"
        case "duplicate":
            return f"DUPLICATE {outcome.media_id} - {outcome.reason}"
        case "command":
            return f"ACTION {outcome.action}"
        case "operator":
            return f"OPERATOR {outcome.reason.split(': ', 1)[1] if outcome.reason else ''}"
        case "ignored":
            return f"IGNORED {outcome.reason}"
    return f"REFUSED {outcome.reason}"


def offline_line(station: Station) -> str:
    """What a station says when the ledger is away: where scans wait, or that they cannot."""
    if station.can_queue:
        return f"offline - scans are queued in {station.settings.journal}: {station.offline}"
    return (
        f"offline - {station.offline}; this station has no site set, so scans cannot be queued "
        "and each is refused (custody station-config --site CODE)"
    )


def summary_line(station: Station) -> str:
    """The counts at the end of a run."""
    c = station.counts
    text = (
        f"{c['recorded']} recorded, {c['duplicate']} duplicate, {c['refused']} refused, "
        f"{c['anomalies']} with anomalies"
    )
    text += f", {c['tracking']} tracking codes" if c["tracking"] else ""
    return text + (f", {c['queued']} queued offline" if c["queued"] else "")


@contextmanager
def _interrupt_after_scan() -> Iterator[Callable[..., bool]]:
    """Ctrl-C stops the run, but never in the middle of recording a scan."""
    state = {"busy": False, "stop": False}

    def on_sigint(_sig: int, _frame: FrameType | None) -> None:
        state["stop"] = True
        if not state["busy"]:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)

    def busy(value: bool | None = None) -> bool:
        if value is not None:
            state["busy"] = value
        return state["stop"]

    try:
        yield busy
    finally:
        signal.signal(signal.SIGINT, previous)


def run_pipe(station: Station, lines: Any, out: TextIO, err: TextIO) -> None:
    """Read lines from a pipe; write one result line each, flushed as it is done."""
    station.connect()
    if station.offline:
        err.write(offline_line(station) + "\n")
        err.flush()
    with _interrupt_after_scan() as busy:
        try:
            for raw in lines:
                busy(True)
                outcome = station.handle(raw.decode("utf-8", errors="replace"))
                out.write(outcome_line(outcome) + "\n")
                out.flush()
                if busy(False):
                    break
        except KeyboardInterrupt:
            pass
    err.write(summary_line(station) + "\n")
    err.flush()


# -- the live screen ---------------------------------------------------------------


@dataclass
class Screen:
    """What the live screen shows: the state of the run, redrawn after each key."""

    station: Station
    site_name: str = ""
    typed: str = ""
    last: Outcome | None = None
    last_at: datetime | None = None
    notice: str = "opening the ledger..."
    waiting: int = 0
    recent: deque[tuple[datetime, Outcome]] = field(default_factory=lambda: deque(maxlen=RECENT))


_STYLE = {
    "recorded": "bold green",
    "duplicate": "bold cyan",
    "refused": "bold red",
    "queued": "bold dark_orange",
    "command": "bold blue",
    "operator": "bold blue",
    "ignored": "dim",
    "tracking": "bold green",
}
_MARK = {
    "recorded": "✔",
    "duplicate": "=",
    "refused": "✘",
    "queued": "…",
    "command": "▶",
    "operator": "☺",
    "ignored": " ",
    "tracking": "✔",
}


def _warnings(outcome: Outcome) -> list[str]:
    """What needs the clerk's attention although the scan counted."""
    from cli.formats import arrival_warning

    found = [arrival_warning(outcome.scan)] if outcome.scan is not None else []
    found.append(f"anomaly: {outcome.anomaly}" if outcome.anomaly else None)
    return [w for w in found if w]


def _headline(outcome: Outcome) -> str:
    """The result in a few words, beside the big tick or cross."""
    if outcome.kind in ("command", "operator", "ignored"):
        return outcome.reason or ""
    if outcome.kind == "tracking":
        return f"tracking {outcome.reason}"
    if outcome.kind == "queued" and outcome.parcel:
        return f"tracking {outcome.reason}  OFFLINE - QUEUED"
    ident = outcome.media_id or outcome.code
    if outcome.kind == "recorded":
        return f"{ident}  {outcome.status}"
    if outcome.kind == "duplicate":
        return f"{ident}  DUPLICATE - counted once"
    if outcome.kind == "queued":
        return f"{ident}  OFFLINE - QUEUED"
    return f"REFUSED  {ident[:40]}" if ident else "REFUSED"


def _title(screen: Screen, width: int) -> Text:
    """The action and site in big letters, on two rows of them when one is too wide."""
    from rich.text import Text

    from cli.bigtype import big

    s = screen.station.settings
    action = s.action.upper()
    site = s.site or "?"
    title = Text()
    if len(big(f"{action}  {site}")[0]) <= width:
        rows = big(f"{action}  {site}")
    else:
        rows = big(action) + big(site)
    title.append("\n".join(rows), style="bold white on blue")
    return title


def _connection(station: Station) -> Text:
    """Online, or offline and whether scans are queued or refused."""
    from rich.text import Text

    if not station.offline:
        return Text("online", style="green")
    if station.can_queue:
        return Text("OFFLINE - scans are queued until the ledger is back", style="bold dark_orange")
    return Text(
        "OFFLINE - no site set, so scans cannot be queued: each is refused", style="bold red"
    )


def _where(screen: Screen) -> Text:
    """The site, the operator and the connection, under the title."""
    from rich.text import Text

    s = screen.station.settings
    return Text.assemble(
        ("at ", "dim"),
        (f"{s.site or '?'} {screen.site_name}".strip(), "bold"),
        ("   operator ", "dim"),
        (s.operator, "bold"),
        "   ",
        _connection(screen.station),
    )


def _waiting_lines(screen: Screen) -> list[RenderableType]:
    """Before the first scan: the notice, padded to the height of a result."""
    from rich.text import Text

    waiting = f" ({screen.waiting} scans waiting)" if screen.waiting else ""
    lines: list[RenderableType] = [
        Text((screen.notice or "ready: scan a code") + waiting, style="bold")
    ]
    lines.extend(Text("") for _ in range(5))
    return lines


def _last_result(screen: Screen, last: Outcome) -> RenderableType:
    """The last scan: a big tick, cross or hourglass beside what happened and why."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from cli.bigtype import CROSS, HOURGLASS, TICK, block

    style = _STYLE[last.kind]
    warnings = _warnings(last)
    if warnings and last.kind == "recorded":
        style = "bold dark_orange"
    glyph = {"refused": CROSS, "queued": HOURGLASS}.get(last.kind, TICK)
    explained = last.kind in ("refused", "duplicate")
    parcel = f"on {len(last.parcel)} discs: {' '.join(last.parcel)}" if last.parcel else ""
    words = [
        Text(_headline(last), style=style),
        Text(last.reason or "" if explained else parcel, style=style),
        *(Text(w, style="bold dark_orange") for w in warnings),
    ]
    if last.kind == "queued":
        words.append(Text(f"the ledger is unreachable: {screen.station.offline}", style=style))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text("\n".join(block(glyph)), style=style), Group(*words))
    return grid


def _recent(screen: Screen) -> Table:
    """The last few scans, newest first, one line each."""
    from rich.table import Table
    from rich.text import Text

    recent = Table.grid(padding=(0, 1))
    for at, o in reversed(screen.recent):
        recent.add_row(
            Text(london(at, seconds=True)[11:], style="dim"),
            Text(_MARK[o.kind], style=_STYLE[o.kind]),
            Text(o.action, style="dim"),
            Text(_headline(o), overflow="ellipsis", no_wrap=True),
        )
    return recent


def _counts(station: Station) -> Text:
    """The run's counts; queued ones only once there are some."""
    from rich.text import Text

    c = station.counts
    return Text.assemble(
        ("recorded ", "dim"),
        (str(c["recorded"]), "bold green"),
        ("   duplicate ", "dim"),
        (str(c["duplicate"]), "bold cyan"),
        ("   refused ", "dim"),
        (str(c["refused"]), "bold red"),
        ("   anomalies ", "dim"),
        (str(c["anomalies"]), "bold dark_orange"),
        *((("   queued ", "dim"), (str(c["queued"]), "bold dark_orange")) if c["queued"] else ()),
    )


def render(screen: Screen, width: int) -> RenderableType:
    """The whole screen for the current state."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = [_title(screen, width), _where(screen), Text("")]
    if screen.last is None:
        parts.extend(_waiting_lines(screen))
    else:
        parts.append(_last_result(screen, screen.last))
    prompt = Text.assemble(("scan ▸ ", "bold"), screen.typed[-60:], ("█", "blink"))
    hint = Text("Ctrl-D or Ctrl-C to finish", style="dim")
    return Group(
        *parts,
        Text(""),
        Text("last scans", style="dim"),
        _recent(screen),
        Text(""),
        _counts(screen.station),
        prompt,
        hint,
    )


@contextmanager
def _keys(fd: int) -> Iterator[None]:
    """The terminal without echo or line editing (we draw what is typed); Ctrl-C still works."""
    import termios

    saved = termios.tcgetattr(fd)
    raw = termios.tcgetattr(fd)
    raw[3] &= ~(termios.ECHO | termios.ICANON)
    # Ctrl-C must not throw away codes the scanner has typed but we have not read yet.
    raw[3] |= termios.NOFLSH
    raw[6][termios.VMIN] = 1
    raw[6][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, raw)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class _LedgerOpener:
    """Opens the ledger on a thread, while the screen is already up.

    Opening imports SQLAlchemy, which takes most of a second here.
    """

    def __init__(self, station: Station) -> None:
        self.station = station
        self.site_name = ""
        self.error: CustodyError | None = None
        self.done = False
        self.thread = threading.Thread(target=self._open, daemon=True)

    def _open(self) -> None:
        station = self.station
        try:
            station.connect()
            if station.ledger is not None and station.settings.site:
                self.site_name = station.ledger.org(station.settings.site).name
        except CustodyError as exc:
            self.error = exc
        self.done = True


class _Keyboard:
    """The keys typed on the terminal, gathered into the lines scanned."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending: list[str] = []

    def take(self, chunk: bytes) -> bool:
        """Add typed keys to the line being scanned; True at end of input (Ctrl-D)."""
        screen = self.screen
        for ch in self.decoder.decode(chunk):
            if ch == "\x04":
                return True
            if ch in "\r\n":
                self.pending.append(screen.typed)
                screen.typed = ""
            elif ch in "\x7f\b":
                screen.typed = screen.typed[:-1]
            elif len(screen.typed) < 20000:
                screen.typed += ch
        return not chunk


class _Bell:
    """One ring for a scan, two for a refusal; the second one rung from the loop when due."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.second: float | None = None

    def ring(self, outcome: Outcome) -> None:
        if outcome.kind == "ignored":
            return
        self._sound()
        if outcome.kind == "refused":
            self.second = time.monotonic() + DOUBLE_BELL_GAP

    def timeout(self, longest: float) -> float:
        """How long to wait for keys without missing the second ring."""
        if self.second is None:
            return longest
        return max(0.0, min(longest, self.second - time.monotonic()))

    def ring_second_if_due(self) -> None:
        if self.second is not None and time.monotonic() >= self.second:
            self._sound()
            self.second = None

    def _sound(self) -> None:
        self.console.file.write("\a")
        self.console.file.flush()


class _LiveRun:
    """One run of the live screen: reads keys, records the lines scanned, redraws."""

    def __init__(self, station: Station, fd: int, console: Console) -> None:
        self.station = station
        self.fd = fd
        self.console = console
        self.screen = Screen(station)
        self.opener = _LedgerOpener(station)
        self.keyboard = _Keyboard(self.screen)
        self.bell = _Bell(console)
        self.ready = self.input_done = False

    def loop(self, live: Live, busy: Callable[..., bool]) -> None:
        """Until Ctrl-D, Ctrl-C or a ledger that cannot be opened."""
        self.opener.thread.start()
        # Ctrl-C only raises a flag here: it must never land between reading keys and
        # queueing them, or in the middle of recording a scan.
        busy(True)
        pending = self.keyboard.pending
        while True:
            if busy() and not self.input_done:
                self.input_done = True
                self._drain()
            if not self.ready and self.opener.done:
                if self.opener.error is not None:
                    break
                self._open(live)
            if self.ready and pending:
                self._record(live, pending.pop(0))
                continue
            if self.input_done and (self.ready or not pending):
                break
            if self.input_done:
                # Lines scanned before the ledger opened are still recorded.
                time.sleep(0.05)
                continue
            self._read_keys(live)

    def redraw(self, live: Live) -> None:
        live.update(render(self.screen, self.console.width), refresh=True)

    def _drain(self) -> None:
        """Codes the scanner finished typing before Ctrl-C are still recorded."""
        while select.select([self.fd], [], [], 0)[0] and not self.keyboard.take(
            os.read(self.fd, 4096)
        ):
            pass

    def _open(self, live: Live) -> None:
        self.ready = True
        self.screen.site_name = self.opener.site_name
        self.screen.notice = "ready: scan a code"
        self.redraw(live)

    def _record(self, live: Live, line: str) -> None:
        screen = self.screen
        outcome = self.station.handle(line)
        screen.waiting = len(self.keyboard.pending)
        if outcome.kind != "ignored":
            screen.last, screen.last_at = outcome, utcnow()
            screen.recent.append((screen.last_at, outcome))
        self.bell.ring(outcome)
        self.redraw(live)

    def _read_keys(self, live: Live) -> None:
        readable, _, _ = select.select([self.fd], [], [], self.bell.timeout(0.1))
        self.bell.ring_second_if_due()
        if not readable:
            return
        self.input_done = self.keyboard.take(os.read(self.fd, 4096))
        self.screen.waiting = len(self.keyboard.pending)
        self.redraw(live)


def run_live(station: Station, fd: int) -> int:
    """The live screen on a terminal until Ctrl-D or Ctrl-C; returns the exit code."""
    from rich.console import Console
    from rich.live import Live

    console = Console(highlight=False)
    run = _LiveRun(station, fd, console)
    with (
        _keys(fd),
        _interrupt_after_scan() as busy,
        Live(
            render(run.screen, console.width),
            console=console,
            screen=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live,
    ):
        run.loop(live, busy)
    if run.opener.error is not None:
        console.print(f"error: {message(run.opener.error)}", style="bold red", highlight=False)
        return 1
    console.print(summary_line(station), highlight=False)
    return 0


def run(station: Station, *, interactive: bool) -> int:
    """Run the station on standard input; returns the exit code."""
    if interactive:
        return run_live(station, sys.stdin.fileno())
    from station.wedge import scanner_lines

    stdin = cast("io.BufferedReader", sys.stdin.buffer)  # what Python gives a pipe
    run_pipe(station, scanner_lines(stdin), sys.stdout, sys.stderr)
    return 1 if station.counts["refused"] else 0


# -- commands ----------------------------------------------------------------------


def unescape(text: str) -> str:
    r"""A scanner affix as typed: `\x02`, `\t` and the like become the control characters."""
    return codecs.decode(text, "unicode_escape") if "\\" in text else text


def default_journal() -> Path:
    """Where a station queues scans by default: beside the default ledger."""
    from cli.app import default_db

    return Path(default_db()).with_name("station-journal.jsonl")


def station_target(db: str | None, config: StationConfig) -> str:
    """The ledger: --db or $CUSTODY_DB, else the station config's, else the default."""
    from cli.app import default_db

    return db or config.db or default_db()


def quick_start(args: list[str]) -> int | None:
    """`custody scan ACTION` on a terminal, started without typer; None if `args` is not that.

    Typer coerces every parameter through pydantic (about 0.4 s to import here), and the
    clerk waits for the screen: the post room's one command skips it.
    """
    from ledger.events import SCAN_ACTIONS

    if len(args) != 2 or args[0] != "scan" or args[1] not in {a.value for a in SCAN_ACTIONS}:
        return None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        return start_station(os.environ.get("CUSTODY_DB") or None, args[1])
    except CustodyError as exc:
        typer.echo(f"error: {message(exc)}", err=True)
        return 1


def start_station(
    db: str | None,
    action: str,
    *,
    site: str | None = None,
    operator: str | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    journal: str | None = None,
) -> int:
    """Start a station with options over the station config over defaults; returns exit code."""
    from cli.context import default_operator
    from station import config_file as station_config
    from station.wedge import Settings, Station

    config = station_config.load(station_config.default_path())
    target = station_target(db, config)
    settings = Settings(
        action=action,
        operator=operator or config.operator or default_operator(),
        journal=Path(journal or config.journal or default_journal()),
        site=site or config.site,
        prefix=unescape(prefix if prefix is not None else config.prefix or ""),
        suffix=unescape(suffix if suffix is not None else config.suffix or ""),
    )

    def open_ledger() -> Ledger:
        from ledger.api import Ledger

        return Ledger.open(target)

    station = Station(settings, open_ledger)
    return run(station, interactive=sys.stdin.isatty() and sys.stdout.isatty())


@app.command("station-config")
def station_config_command(
    ctx: typer.Context,
    site: str = typer.Option(None, "--site", help="Where this station is (ODS code)."),
    operator: str = typer.Option(None, "--operator", help="Who scans, until a badge is scanned."),
    prefix: str = typer.Option(None, "--prefix", help=r"The scanner's prefix (e.g. '\x02')."),
    suffix: str = typer.Option(None, "--suffix", help="The scanner's suffix."),
    journal: str = typer.Option(None, "--journal", help="The offline journal file."),
) -> None:
    """Show or set this station's settings; `custody --db X station-config` stores the ledger.

    An empty value ('') clears a setting.
    """
    from ledger.ids import check_ods
    from station import config_file as station_config

    path = station_config.default_path()
    config = station_config.load(path)
    root = ctx.find_root()
    db = root.params.get("db") if _source_name(root, "db") == "COMMANDLINE" else None
    changes = {
        "site": check_ods(site) if site else site,
        "operator": operator,
        "prefix": prefix,
        "suffix": suffix,
        "journal": str(Path(journal).expanduser().resolve()) if journal else journal,
        "db": db,
    }
    if any(v is not None for v in changes.values()):
        config = station_config.updated(config, **changes)
        station_config.save(path, config)
        typer.echo(f"saved {path}")
    else:
        typer.echo(f"{path}{'' if path.exists() else ' (not written yet)'}")
    shown = {
        "site": config.site or "(the ledger's home organisation)",
        "operator": config.operator or "(from $CUSTODY_OPERATOR or the login name)",
        "prefix": repr(unescape(config.prefix)) if config.prefix else "(none)",
        "suffix": repr(unescape(config.suffix)) if config.suffix else "(none)",
        "journal": config.journal or f"(default: {default_journal()})",
        "db": config.db or "(from --db, $CUSTODY_DB or the default)",
    }
    for key, value in shown.items():
        typer.echo(f"  {key:<9}{value}")


def _source_name(ctx: Any, name: str) -> str:
    """Where a parameter's value came from: COMMANDLINE, ENVIRONMENT, DEFAULT..."""
    source = ctx.get_parameter_source(name)
    return source.name if source is not None else ""


@app.command("station-sheet")
def station_sheet(
    ctx: typer.Context,
    out: Path = typer.Option(None, "-o", "--output", help="The PDF to write."),
    operators: list[str] = typer.Option(
        None, "--operator", help="Also print this operator's badge (repeatable)."
    ),
    badges: list[str] = typer.Option(
        None,
        "--badge",
        help="Issue a new sign-in badge for this web account and print it; its earlier badge "
        "stops working (repeatable).",
    ),
    as_list: bool = typer.Option(False, "--list", help="Print the codes instead of a PDF."),
) -> None:
    """Print the station's command barcodes (and operator badges) to scan instead of typing."""
    from ledger.errors import InvalidValue
    from station.wedge import sheet_entries

    entries = sheet_entries(operators or [])
    if badges:
        if not as_list and out is None:
            raise InvalidValue("give the PDF to write with -o FILE (or --list to see the codes)")
        accounts = open_accounts(ctx)
        entries += [(accounts.issue_badge(name), f"sign in: {name}") for name in badges]
    if as_list:
        for code, caption in entries:
            typer.echo(f"{code:<20} {caption}")
        return
    if out is None:
        raise InvalidValue("give the PDF to write with -o FILE (or --list to see the codes)")
    from labels.code_sheet import write_code_sheet

    written = write_code_sheet(entries, out)
    typer.echo(f"wrote {len(entries)} codes to {written}")


@app.command()
def sync(
    ctx: typer.Context,
    journal: str = typer.Option(
        None, "--journal", help="The station's journal (default: its config's)."
    ),
) -> None:
    """Record the scans a station queued while the ledger was unreachable; safe to repeat."""
    from ledger.api import Ledger
    from station import config_file as station_config
    from station.journal import sync as replay_journal

    config = station_config.load(station_config.default_path())
    path = Path(journal or config.journal or default_journal())
    if not path.exists():
        typer.echo(f"no journal at {path}: nothing was queued")
        return
    report = replay_journal(
        Ledger.open(station_target(ctx.find_root().params.get("db"), config)), path
    )
    for r in report.recorded:
        typer.echo(f"{_queued(r.event)}: {scan_line(r.result)}")
    for r in report.duplicates:
        typer.echo(f"{_queued(r.event)}: {scan_line(r.result)}")
    for refusal in report.refused:
        typer.echo(f"{_queued(refusal.event)}: REFUSED {refusal.reason}")
    for problem in report.unreadable:
        typer.echo(f"journal {problem}")
    events = (
        len(report.recorded) + len(report.already) + len(report.duplicates) + len(report.refused)
    )
    typer.echo(
        f"journal {path}: {events} queued scans - {len(report.recorded)} recorded, "
        f"{len(report.already)} already in the ledger, {len(report.duplicates)} duplicate, "
        f"{len(report.refused)} refused"
        + (f", {len(report.unreadable)} unreadable lines" if report.unreadable else "")
    )
    if report.refused or report.unreadable:
        raise typer.Exit(1)


def _queued(event: Event) -> str:
    """A queued scan as the clerk made it: when, what, where, who."""
    return (
        f"{london(event.at, seconds=True)} {event.action} {event.media_id} "
        f"at {event.site} by {event.operator}"
    )
