"""Check media the PACS team has (or says it imported) against the PACS, and record the outcome.

Verified -> an `imported` event with `verified: true` in its detail. Partial ->
an `import-partial` event (status import-failed, an IR1 reason). Not found ->
reported only: a study absent from the PACS usually means the import has not
happened yet, and a desk that checks every few minutes would otherwise record a
failure each round. An outcome already recorded is not recorded again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ledger.errors import CustodyError
from ledger.events import Action, Event
from ledger.studies import StudyCount
from ledger.transitions import MediaState, Status
from pacs.clients import pacs_client
from pacs.comparison import Comparison, Verdict, compare
from pacs.query import DicomWebSettings, PacsClient, PacsSettings

if TYPE_CHECKING:
    from ledger.api import Ledger

CHECKABLE = frozenset({Status.WITH_PACS, Status.IMPORTED, Status.IMPORT_FAILED})
CHECKED = frozenset({"verified", "present"})


class Basis(StrEnum):
    """Where the expected studies and counts came from, best first."""

    RECEIVED = "received-disc"
    REGISTERED = "registration"
    UID_ONLY = "study-uid-only"


@dataclass(frozen=True)
class MediaCheck:
    """One medium checked against the PACS (or why it was not), and what was recorded."""

    media_id: str
    status: str | None
    verdict: Verdict | None = None
    basis: Basis | None = None
    comparisons: tuple[Comparison, ...] = ()
    recorded: str | None = None
    reason: str | None = None


def expected_studies(state: MediaState) -> tuple[Basis, tuple[StudyCount, ...]] | None:
    """What the PACS should hold: the disc as received, else as registered, else the UID alone."""
    if state.received_studies:
        return Basis.RECEIVED, state.received_studies
    if state.studies:
        return Basis.REGISTERED, state.studies
    if state.study_uid:
        return Basis.UID_ONLY, (StudyCount(state.study_uid, 0, (), state.accession),)
    return None


def medium_verdict(comparisons: Sequence[Comparison]) -> Verdict:
    """Verified when every study is; not found when none is there; partial otherwise."""
    verdicts = {c.verdict for c in comparisons}
    if verdicts == {Verdict.VERIFIED}:
        return Verdict.VERIFIED
    if verdicts == {Verdict.NOT_FOUND}:
        return Verdict.NOT_FOUND
    return Verdict.PARTIAL


def pending_media(ledger: Ledger) -> list[str]:
    """Media awaiting a check: with the PACS team, import failed, or imported but unchecked."""
    rows = ledger.list_media()
    return sorted(
        r["media_id"]
        for r in rows
        if r["status"] in (Status.WITH_PACS, Status.IMPORT_FAILED)
        or (r["status"] == Status.IMPORTED and r["import_check"] not in CHECKED)
    )


def pacs_label(settings: PacsSettings) -> str:
    """Which PACS and protocol, for the event detail and the output."""
    if isinstance(settings, DicomWebSettings):
        return f"QIDO-RS {settings.url}"
    return f"C-FIND {settings.ae_title}@{settings.host}:{settings.port}"


def check_imports(
    ledger: Ledger,
    settings: PacsSettings,
    codes: Iterable[str],
    *,
    operator: str,
    client: PacsClient | None = None,
) -> list[MediaCheck]:
    """Check each medium against the PACS in one batched query, then record what changed.

    PacsUnreachable or PacsQueryFailed propagate before anything is recorded.
    """
    skipped, wanted, order = _checkable(ledger, codes)
    uids = [s.study_uid for _, _, studies in wanted.values() for s in studies]
    found = (client or pacs_client(settings)).find_studies(uids) if uids else {}
    checks: dict[str, MediaCheck] = dict(skipped)
    events: list[Event] = []
    now = ledger.clock()
    for media_id, (state, basis, studies) in wanted.items():
        comparisons = tuple(compare(s, found.get(s.study_uid)) for s in studies)
        verdict = medium_verdict(comparisons)
        action, detail = _outcome(state, basis, verdict, comparisons, settings)
        if action is not None:
            events.append(
                Event(
                    event_id=str(uuid.uuid4()),
                    media_id=media_id,
                    action=action,
                    at=now,
                    recorded_at=now,
                    site=ledger.home.code,
                    operator=operator,
                    detail=detail,
                )
            )
        checks[media_id] = MediaCheck(
            media_id, state.status, verdict, basis, comparisons, recorded=action
        )
    if events:
        ledger.record_events(events)
    return [checks[key] for key in dict.fromkeys(order)]


Wanted = dict[str, tuple[MediaState, Basis, tuple[StudyCount, ...]]]


def _checkable(
    ledger: Ledger, codes: Iterable[str]
) -> tuple[dict[str, MediaCheck], Wanted, list[str]]:
    """Which media can be checked (with what they should hold), which not and why, in order."""
    from ledger.ids import parse_media_id

    skipped: dict[str, MediaCheck] = {}
    wanted: Wanted = {}
    order: list[str] = []
    with ledger.session():
        for code in codes:
            try:
                media_id = str(parse_media_id(code))
                state = ledger.show(media_id).state
            except CustodyError as exc:
                skipped[code] = MediaCheck(code, None, reason=str(exc))
                order.append(code)
                continue
            order.append(media_id)
            expected = expected_studies(state)
            if state.status not in CHECKABLE:
                skipped[media_id] = MediaCheck(
                    media_id, state.status, reason=f"not with the PACS team ({state.status})"
                )
            elif expected is None:
                skipped[media_id] = MediaCheck(
                    media_id,
                    state.status,
                    reason="no Study Instance UID recorded: its disc was read neither when it "
                    "was registered nor when it was received",
                )
            else:
                wanted[media_id] = (state, *expected)
    return skipped, wanted, order


def _outcome(
    state: MediaState,
    basis: Basis,
    verdict: Verdict,
    comparisons: Sequence[Comparison],
    settings: PacsSettings,
) -> tuple[str | None, dict[str, Any]]:
    """The event to record for a verdict, or None when there is nothing new to record."""
    studies = [_study_detail(c, basis) for c in comparisons]
    common = {"basis": str(basis), "pacs": pacs_label(settings), "studies": studies}
    if verdict is Verdict.VERIFIED:
        check = "present" if basis is Basis.UID_ONLY else "verified"
        if state.status == Status.IMPORTED and state.import_check == check:
            return None, {}
        presence = {"presence_only": True} if basis is Basis.UID_ONLY else {}
        return Action.IMPORTED, {"verified": True, **presence, **common}
    if verdict is Verdict.PARTIAL:
        if state.status == Status.IMPORT_FAILED and state.import_check == "partial":
            return None, {}
        return Action.IMPORT_PARTIAL, {"partial": True, **common}
    return None, {}


def _study_detail(comparison: Comparison, basis: Basis) -> dict[str, Any]:
    """One study's figures as recorded in the event detail."""
    detail: dict[str, Any] = {
        "study_uid": comparison.study_uid,
        "verdict": str(comparison.verdict),
        "found": comparison.found_instances,
    }
    if basis is not Basis.UID_ONLY:
        detail["expected"] = comparison.expected_instances
    if comparison.shortfalls:
        detail["shortfalls"] = [s._asdict() for s in comparison.shortfalls]
    return detail
