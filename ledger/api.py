"""The ledger's public API: a ledger opened, its units of work, and the jobs done in them.

    from ledger.api import Ledger
    ledger = Ledger.open("ledger.db")             # or Ledger.create(target, code, name)
    state = ledger.register(Registration(...), operator="jsmith")
    result = ledger.scan("dispatch", state.media_id, operator="jsmith")
    ledger.verify_chain()                         # the hash chain, IntegrityError if broken

Each method below opens one unit of work (`ledger.unit()`, one transaction) and runs one job
function in it; a caller doing several jobs in one transaction (the web app) opens the unit
itself and calls the job functions: `ledger.organisations`, `ledger.registration`,
`ledger.scanning`, `ledger.media_events`, `ledger.manifests`, `ledger.chain`, and
`ledger.queries` (functions of a connection, from `ledger.reading()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import chain, integrity, media_events, organisations, queries, registration, scanning
from ledger.chain import ChainReport
from ledger.errors import IntegrityError, MalformedEvent
from ledger.events import Event
from ledger.handover import HandoverFacts
from ledger.media_events import TrackingResult, tracking_for_scan
from ledger.queries import MediaRecord
from ledger.registration import exception_label, normalised_registration, read_registrations
from ledger.rules import Registration
from ledger.scanning import Scan, ScanResult
from ledger.transitions import MediaState
from ledger.work import OpenLedger, Org, Work

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "ChainReport",
    "Ledger",
    "MediaRecord",
    "Org",
    "Registration",
    "Scan",
    "ScanResult",
    "TrackingResult",
    "Work",
    "exception_label",
    "normalised_registration",
    "read_registrations",
    "tracking_for_scan",
]


class Ledger(OpenLedger):
    """A custody ledger: each method one job in one unit of work."""

    # -- organisations
    def add_org(
        self, code: str, name: str, address: str | None = None, public_key: str | None = None
    ) -> Org:
        """Add a partner organisation (destination or sender), with its public key if known."""
        with self.unit() as work:
            return organisations.add_org(work, code, name, address, public_key)

    def edit_org(self, code: str, **changes: str | None) -> Org:
        """Change an organisation's name, address or custody mailbox ("" clears them)."""
        with self.unit() as work:
            changed = organisations.edit_org(work, code, **changes)
        if changed.home:
            self._home = None  # read again: its name or address changed
        return changed

    def organisations(self) -> list[Org]:
        """Every organisation, home first."""
        with self.reading() as conn:
            return organisations.organisations(conn)

    def org(self, code: str) -> Org:
        """One organisation by ODS code, or UnknownOrganisation."""
        with self.reading() as conn:
            return organisations.org(conn, code)

    # -- registration
    def register(
        self, reg: Registration, *, operator: str, at: datetime | None = None
    ) -> MediaState:
        """Register one medium; returns its state with the new media ID."""
        with self.unit() as work:
            return registration.register(work, reg, operator=operator, at=at)

    def register_many(self, regs: Sequence[Registration], **kwargs: Any) -> list[MediaState]:
        """Register a batch, all or nothing (see `registration.register_many`)."""
        with self.unit() as work:
            return registration.register_many(work, regs, **kwargs)

    def register_csv(self, path: Path, *, operator: str) -> list[MediaState]:
        """Register every row of a CSV file, all or nothing."""
        with registration.bulk():
            lines, regs, problems = read_registrations(path)
            with self.unit() as work:
                return registration.register_many(
                    work,
                    regs,
                    operator=operator,
                    lines=lines,
                    earlier_problems=problems,
                    normalised=True,
                )

    # -- scanning
    def scan(self, action: str, code: str, *, operator: str, **kwargs: Any) -> ScanResult:
        """Record one scan; a bad code is refused with a reason (see `scanning.scan`)."""
        return scanning.scan(self.unit, Scan(action, code, operator, **kwargs))

    # -- events on a medium
    def password_sent(self, code: str, **kwargs: Any) -> Event:
        """Record that (and how) a medium's password was sent."""
        with self.unit() as work:
            return media_events.password_sent(work, code, **kwargs)

    def labelled(self, codes: Sequence[str], **kwargs: Any) -> list[Event]:
        """Record that labels were printed for these media."""
        with self.unit() as work:
            return media_events.labelled(work, codes, **kwargs)

    def attach_tracking(self, codes: Sequence[str], ref: str, **kwargs: Any) -> TrackingResult:
        """Attach a parcel's tracking reference to each medium's dispatch."""
        with self.unit() as work:
            return media_events.attach_tracking(work, codes, ref, **kwargs)

    def acknowledge_handover(self, code: str, **kwargs: Any) -> Event:
        """Record that the recipient of an unencrypted disc signed the handover form."""
        with self.unit() as work:
            return media_events.acknowledge_handover(work, code, **kwargs)

    def handover_facts(self, code: str) -> HandoverFacts:
        """What the handover form prints for a medium."""
        with self.unit(write=False) as work:
            return media_events.handover_form(work, code)

    def correct(self, event_id: str, *, reason: str, operator: str) -> Event:
        """Void an earlier event with a new one; nothing is edited or deleted."""
        with self.unit() as work:
            return media_events.correct(work, event_id, reason=reason, operator=operator)

    def transfer(self, destination: str, **kwargs: Any) -> Event:
        """Record an electronic transfer (no medium)."""
        with self.unit() as work:
            return media_events.transfer(work, destination, **kwargs)

    def ir1_filed(self, code: str, **kwargs: Any) -> Event:
        """Record the reference the risk system gave an IR1."""
        with self.unit() as work:
            return media_events.ir1_filed(work, code, **kwargs)

    def ir1_closed(self, code: str, **kwargs: Any) -> Event:
        """Close the IR1 (or IR1 candidate) for (medium, reason)."""
        with self.unit() as work:
            return media_events.ir1_closed(work, code, **kwargs)

    def record_events(self, events: Iterable[Event]) -> tuple[list[Event], list[Event]]:
        """Record events made elsewhere (a partner's receipts); returns (recorded, already)."""
        with self.unit() as work:
            return media_events.record_events(work, events)

    # -- reading and verifying
    def show(self, code: str) -> MediaRecord:
        """A medium's state and its whole history."""
        with self.reading() as conn:
            return queries.media_record(conn, code)

    def list_media(self, **kwargs: Any) -> list[dict[str, Any]]:
        """Media from the projection, by status, destination or unexpected arrival."""
        with self.reading() as conn:
            return queries.list_media(conn, **kwargs)

    def verify_chain(self, expect: str | None = None) -> ChainReport:
        """The chain, every stored time and every projection row checked, and that the chain
        extends `expect` (`DIGEST` or `DIGEST@COUNT`, printed earlier) if given; IntegrityError
        names the first problem (and how many more there are)."""
        checked = self.check(expect)
        if checked.problems:
            first, more = checked.problems[0], len(checked.problems) - 1
            also = f" ({more} more problem{'s' if more > 1 else ''} found)" if more else ""
            raise (MalformedEvent if first.unreadable else IntegrityError)(first.text + also)
        return ChainReport(checked.events, checked.head)

    def check(
        self, expect: str | None = None, *, public_key: str | None = None
    ) -> integrity.Verified:
        """Everything `verify_chain` checks, with every problem found (ledger.integrity).

        Checkpoint signatures are checked against `public_key` if given (the key file's, or
        one the auditor holds), else against the public key the ledger recorded at `key init`.
        """
        expected = integrity.parse_expected(expect) if expect is not None else None
        trusted = (
            organisations.checked_public_key(public_key) if public_key else None
        ) or self.signing_public_key()
        home = self.home.code
        with self.reading() as conn:
            return integrity.verify(conn, expected, home=home, public_key=trusted)

    def rebuild_projection(self) -> int:
        """Write the media projection again from the events; returns how many media."""
        with self.unit() as work:
            return integrity.rebuild_projection(work.conn)

    # -- signing: the ledger's key, checkpoints
    def signing_public_key(self) -> str | None:
        """The public key this ledger signs with, as recorded by `custody key init`."""
        with self.reading() as conn:
            return integrity.signing_public_key(conn)

    def record_signing_key(self, public_key: str) -> None:
        """Record the public key this ledger's checkpoints are signed with."""
        public_key = organisations.checked_public_key(public_key)
        with self.unit() as work:
            integrity.record_signing_key(work.conn, public_key)

    def checkpoint(
        self, key: Ed25519PrivateKey, head: tuple[int, str] | None = None
    ) -> integrity.Checkpoint:
        """Sign the chain head (now, or `head` = (events, digest) of an earlier one) and keep it.

        The key must be the one recorded at `key init`, so `verify` can check it later.
        """
        with self.unit() as work:
            return integrity.checkpoint(work.conn, work.home.code, key, head, self.clock())

    def head_at(self, moment: datetime) -> ChainReport:
        """The chain as it stood at `moment`."""
        with self.reading() as conn:
            return chain.head_at(conn, moment)
