"""A scan station: what each line from a USB barcode scanner means, and what became of it.

The scanner types like a keyboard. A line is a media ID, a command code that
switches the action (`CMDRECEIVE`), an operator badge (`OPJSMITH`), or noise.
When the ledger cannot be reached the station keeps going: each scan goes to
a local journal (station.journal) for `custody sync` to replay later.

Importing this module does not import SQLAlchemy: the station shows its
screen first and opens the ledger afterwards.
"""

from __future__ import annotations

import io
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from ledger.clock import utcnow
from ledger.errors import (
    CustodyError,
    InvalidMediaId,
    InvalidTrackingRef,
    LedgerNotFound,
    LedgerUnreachable,
)
from ledger.events import SCAN_ACTIONS, Action, Event
from ledger.ids import (
    TrackingRef,
    check_ods,
    normalise_code,
    parse_media_id,
    parse_tracking,
    s10_shaped,
)
from station import journal

if TYPE_CHECKING:
    from ledger.api import Ledger, ScanResult

# Command barcodes: scanning one switches the station's action.
COMMAND_CODES: dict[str, str] = {
    "CMD" + a.value.replace("-", "").upper(): a.value for a in SCAN_ACTIONS
}
BADGE_PREFIX = "OP"
# A badge code must fit a Code 128 cell on the printed sheet (20 characters).
_BADGE = re.compile(rf"{BADGE_PREFIX}([A-Z][A-Z0-9]{{1,17}})")
_MEDIA_SHAPE = re.compile(r"[A-Z0-9]{3,5}[0-9]{8}[0-9A-Z]")
# No barcode on our labels is longer than this; anything longer is noise, not a misread.
MAX_CODE_LENGTH = 64
# Same as the ledger's duplicate window, for scans queued while offline.
DUPLICATE_WINDOW = timedelta(seconds=10)
# The CLI says how to set the site when the station starts.
_NO_SITE = "ledger unreachable and this station has no site set, so nothing can be queued"
_LINE_END = re.compile(rb"\r\n|\r|\n")
# While offline, how often a scan tries the ledger again before queueing.
RETRY_EVERY = timedelta(seconds=15)

Kind = Literal[
    "recorded", "duplicate", "refused", "queued", "command", "operator", "ignored", "tracking"
]


class Command(NamedTuple):
    """A command barcode: switch the action."""

    action: str


class Badge(NamedTuple):
    """An operator badge: who scans from now on."""

    operator: str


class Code(NamedTuple):
    """A code to record: a media ID, or something that should have been one."""

    text: str


class Tracking(NamedTuple):
    """A parcel's tracking barcode (UPU S10 shape): attach it to the discs scanned before it."""

    text: str


class Noise(NamedTuple):
    """A line that cannot be a code at all, and why."""

    reason: str


ScannedLine = Command | Badge | Tracking | Code | Noise | None


def strip_affixes(raw: str, prefix: str = "", suffix: str = "") -> str:
    """A line without the prefix and suffix the scanner is set to add."""
    text = raw.rstrip("\r\n")
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def read_line(raw: str, prefix: str = "", suffix: str = "") -> ScannedLine:
    """What one line from the scanner is; None for an empty line."""
    text = strip_affixes(raw, prefix, suffix)
    if len(text) > MAX_CODE_LENGTH * 4:
        return Noise(f"not a code: a line of {len(text):,} characters")
    code = normalise_code(text)
    if not code:
        return None if not text.strip() else Noise("not a code: only control characters")
    if len(code) > MAX_CODE_LENGTH:
        return Noise(f"not a code: {len(code):,} characters")
    if code in COMMAND_CODES:
        return Command(COMMAND_CODES[code])
    if code.startswith("CMD") and code.isascii() and code.isalnum():
        return Noise(f"{code}: not a station command (print the sheet: custody station-sheet)")
    badge = _BADGE.fullmatch(code)
    if badge and not _MEDIA_SHAPE.fullmatch(code):
        return Badge(badge.group(1).lower())
    if s10_shaped(code):
        return Tracking(code)
    return Code(code)


def scanner_lines(stream: io.BufferedIOBase, size: int = 4096) -> Iterator[bytes]:
    """The lines a scanner sends down a pipe, each as soon as it ends.

    CR, LF and CRLF all end a line: scanners are set to send any of them, and a bare CR must
    not merge two codes into one. A CRLF split across two reads ends one line, not two.
    """
    pending = b""
    after_cr = False
    # read1: whatever has arrived, so a line is handled as soon as it ends.
    while chunk := stream.read1(size):
        if after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        after_cr = chunk.endswith(b"\r")
        *done, pending = _LINE_END.split(pending + chunk)
        yield from done
    if pending:
        yield pending


def parcel_problem(action: str, parcel: Sequence[str], ref: TrackingRef) -> str | None:
    """Why a tracking code cannot go on the discs scanned before it, or None.

    A parcel's tracking code follows its discs' dispatch scans (at the terminal station and
    at the browser desk alike): not while scanning anything else, and not with no disc.
    """
    shown = f"tracking {ref.grouped}"
    if action != Action.DISPATCH:
        return (
            f"{shown}: a parcel's tracking code goes after its discs' dispatch scans "
            f"(now scanning {action})"
        )
    if not parcel:
        return (
            f"{shown}: no disc scanned for dispatch before it - scan the parcel's discs, "
            "then its tracking code"
        )
    return None


def badge_code(operator: str) -> str:
    """The badge barcode for an operator name (capitals and digits only)."""
    code = BADGE_PREFIX + re.sub(r"[^A-Z0-9]", "", operator.upper())
    if not _BADGE.fullmatch(code):
        raise InvalidMediaId(
            f"{operator!r} cannot be a badge: a letter first, then 2 to 18 letters and digits"
        )
    return code


def sheet_entries(operators: list[str] | None = None) -> list[tuple[str, str]]:
    """The (code, caption) pairs of the station's barcode sheet: every command, then badges."""
    entries = [(code, f"switch to {action}") for code, action in COMMAND_CODES.items()]
    for name in operators or []:
        code = badge_code(name)
        entries.append((code, f"operator {code[len(BADGE_PREFIX) :].lower()}"))
    return entries


@dataclass(frozen=True, slots=True)
class Settings:
    """How a station scans: the action, where, who, the scanner's affixes, the journal."""

    action: str
    operator: str
    journal: Path
    site: str | None = None
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one line from the scanner."""

    kind: Kind
    action: str
    code: str = ""
    media_id: str | None = None
    status: str | None = None
    reason: str | None = None
    anomaly: str | None = None
    scan: ScanResult | None = None
    # A tracking code: the media of the parcel it was attached (or queued) to.
    parcel: tuple[str, ...] = ()


def _from_scan(action: str, result: ScanResult) -> Outcome:
    return Outcome(
        kind=result.outcome,
        action=action,
        code=result.code,
        media_id=result.media_id,
        status=result.status,
        reason=result.reason,
        anomaly=result.anomaly,
        scan=result,
    )


@dataclass
class Station:
    """A running station: its settings, the ledger when reachable, and what it has seen."""

    settings: Settings
    open_ledger: Callable[[], Ledger]
    clock: Callable[[], datetime] = utcnow
    ledger: Ledger | None = None
    offline: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    _retry_at: datetime | None = None
    _queued_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # Discs scanned for dispatch since the last tracking code: the parcel being packed.
    parcel: list[str] = field(default_factory=list)
    _parcel_queued: bool = False

    def connect(self) -> None:
        """Open the ledger and check the site; if it cannot be reached, go offline.

        A site that the ledger does not know is the user's mistake and is raised.
        """
        try:
            ledger = self.ledger or self.open_ledger()
            site = ledger.org(self.settings.site).code if self.settings.site else ledger.home.code
        except (LedgerUnreachable, LedgerNotFound) as exc:
            self._go_offline(str(exc))
            if self.settings.site:
                self.settings = replace(self.settings, site=check_ods(self.settings.site))
            return
        self.ledger, self.offline = ledger, None
        self.settings = replace(self.settings, site=site)

    @property
    def can_queue(self) -> bool:
        """Whether a scan can wait in the journal while offline: only with a site to record."""
        return self.settings.site is not None

    def _go_offline(self, reason: str) -> None:
        self.offline = reason
        self._retry_at = self.clock() + RETRY_EVERY

    def handle(self, raw: str) -> Outcome:
        """Act on one line from the scanner; never raises for what the scanner sent."""
        line = read_line(raw, self.settings.prefix, self.settings.suffix)
        action = self.settings.action
        if line is None:
            return Outcome("ignored", action, reason="empty line")
        if isinstance(line, Noise):
            return self._count(Outcome("refused", action, reason=line.reason))
        if isinstance(line, Command):
            self.settings = replace(self.settings, action=line.action)
            self.parcel, self._parcel_queued = [], False
            return Outcome("command", line.action, reason=f"now scanning: {line.action}")
        if isinstance(line, Badge):
            operator = self._badge_operator(line)
            if operator is None:
                # A web account's secret badge must never become an operator name in the ledger.
                return self._count(
                    Outcome("refused", action, reason="sign-in badge not known to this ledger")
                )
            self.settings = replace(self.settings, operator=operator)
            return Outcome("operator", action, reason=f"operator: {operator}")
        if isinstance(line, Tracking):
            return self._count(self._track(line.text))
        outcome = self._count(self._scan(line.text))
        media_id = outcome.media_id
        packed = outcome.kind in ("recorded", "duplicate", "queued")
        if action == Action.DISPATCH and packed and media_id and media_id not in self.parcel:
            self.parcel.append(media_id)
            # Its dispatch waits in the journal, so the parcel's tracking code must wait too.
            self._parcel_queued = self._parcel_queued or outcome.kind == "queued"
        return outcome

    def _track(self, code: str) -> Outcome:
        """A parcel's tracking code: attach it to every disc dispatched since the last one."""
        s = self.settings
        try:
            ref = parse_tracking(code)
        except InvalidTrackingRef as exc:
            return Outcome("refused", s.action, code, reason=str(exc))
        shown = f"tracking {ref.grouped}"
        problem = parcel_problem(s.action, self.parcel, ref)
        if problem:
            return Outcome("refused", s.action, code, reason=problem)
        parcel = tuple(self.parcel)
        if self.ledger is not None and not self.offline and not self._parcel_queued:
            try:
                self.ledger.attach_tracking(parcel, ref.text, site=s.site, operator=s.operator)
            except LedgerUnreachable as exc:
                self._go_offline(str(exc))
            except CustodyError as exc:
                return Outcome("refused", s.action, code, reason=f"{shown}: {exc}")
            else:
                self.parcel = []
                return Outcome("tracking", s.action, code, reason=ref.grouped, parcel=parcel)
        return self._queue_tracking(code, ref, parcel)

    def _queue_tracking(self, code: str, ref: TrackingRef, parcel: tuple[str, ...]) -> Outcome:
        """Keep a tracking code in the journal, one event per disc, while the ledger is away."""
        s = self.settings
        if s.site is None:
            return Outcome("refused", s.action, code, reason=f"tracking {ref.grouped}: {_NO_SITE}")
        now = self.clock()
        try:
            for media_id in parcel:
                event = Event(
                    event_id=str(uuid.uuid4()),
                    media_id=media_id,
                    action=Action.TRACKING,
                    at=now,
                    recorded_at=now,
                    site=s.site,
                    operator=s.operator,
                    detail={"ref": ref.text, "s10": ref.s10},
                )
                journal.append(s.journal, event)
        except CustodyError as exc:
            return Outcome("refused", s.action, code, reason=str(exc))
        self.parcel, self._parcel_queued = [], False
        return Outcome("queued", s.action, code, reason=ref.grouped, parcel=parcel)

    def _badge_operator(self, badge: Badge) -> str | None:
        """Who a badge names: a station badge its name; an account's sign-in badge its owner."""
        from ledger.accounts import Accounts, is_sign_in_badge

        code = BADGE_PREFIX + badge.operator.upper()
        if not is_sign_in_badge(code):
            return badge.operator
        if self.ledger is None or self.offline:
            return None
        return Accounts(self.ledger).badge_owner(code)

    def _count(self, outcome: Outcome) -> Outcome:
        self.counts[outcome.kind] += 1
        if outcome.anomaly:
            self.counts["anomalies"] += 1
        return outcome

    def _scan(self, code: str) -> Outcome:
        s = self.settings
        event_id = str(uuid.uuid4())
        offline = self.ledger is None or self.offline
        if offline and (self._retry_at is None or self.clock() >= self._retry_at):
            self.connect()
        if self.ledger is not None and not self.offline:
            try:
                result = self.ledger.scan(
                    s.action, code, site=s.site, operator=s.operator, event_id=event_id
                )
            except LedgerUnreachable as exc:
                # Not committed (or, if it was, the replay finds its event_id and skips it).
                self._go_offline(str(exc))
            except CustodyError as exc:
                return Outcome("refused", s.action, code, reason=str(exc))
            else:
                return _from_scan(s.action, result)
        return self._queue(code, event_id)

    def _queue(self, code: str, event_id: str) -> Outcome:
        """Keep a scan in the journal while the ledger is away."""
        s = self.settings
        try:
            media_id = str(parse_media_id(code))
        except InvalidMediaId as exc:
            return Outcome("refused", s.action, code, reason=str(exc))
        if s.site is None:
            return Outcome(
                "refused",
                s.action,
                code,
                media_id,
                reason=_NO_SITE,
            )
        now = self.clock()
        last = self._queued_at.get((media_id, s.action))
        if last is not None and now - last <= DUPLICATE_WINDOW:
            return Outcome("duplicate", s.action, code, media_id, reason="already queued")
        event = Event(
            event_id=event_id,
            media_id=media_id,
            action=s.action,
            at=now,
            recorded_at=now,
            site=s.site,
            operator=s.operator,
        )
        try:
            journal.append(s.journal, event)
        except CustodyError as exc:
            return Outcome("refused", s.action, code, media_id, reason=str(exc))
        self._queued_at[(media_id, s.action)] = now
        return Outcome("queued", s.action, code, media_id, reason="offline - queued")
