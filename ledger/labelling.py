"""What a label needs from the ledger, and which media are waiting for one.

Only routing facts leave here: never the patient's name, NHS number or date of birth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from ledger import queries, store
from ledger.errors import NotLabellable
from ledger.ids import parse_media_id
from ledger.transitions import MediaState, Status
from ledger.work import OpenLedger, Org, Work, within


class LabelFacts(NamedTuple):
    """The routing facts a label prints for one medium (the keywords of make_label_content)."""

    media_id: str
    destination_code: str
    destination_name: str
    sender_code: str
    sender_name: str
    return_address: str
    exception: str | None
    urgent: bool


class Waiting(NamedTuple):
    """Media waiting for a label, and those left out with the reason."""

    media_ids: list[str]
    skipped: list[tuple[str, NotLabellable]]


def label_problem(state: MediaState, home: str | None = None) -> NotLabellable | None:
    """Why this medium may not be labelled for sending (an error to raise or list), or None.

    Labels are for media this ledger issued (named sender, return address): never for a
    partner's medium announced by its manifest or one that arrived here unannounced. With
    `home`, the media ID must have been issued by that organisation.
    """
    if state.expected or state.unexpected:
        how = "announced by its manifest" if state.expected else "an unexpected arrival"
        return NotLabellable(
            f"{state.media_id} is another organisation's medium ({how}): labels are printed "
            "only for media this ledger issued"
        )
    if home is not None and parse_media_id(state.media_id).issuer != home:
        return NotLabellable(
            f"{state.media_id} was issued by {parse_media_id(state.media_id).issuer}, not "
            f"{home}: labels are printed only for media this ledger issued"
        )
    if not state.destination:
        return NotLabellable(
            f"{state.media_id} has no destination: it cannot be labelled for sending"
        )
    if not state.encrypted and not state.exception:
        return NotLabellable(
            f"{state.media_id} is not encrypted and has no recorded exception: it may not be "
            "sent (an incident); register it again, encrypted or with {exception}",
            field="exception",
        )
    return None


def label_facts(ledger: Work | OpenLedger, codes: Sequence[str]) -> list[LabelFacts]:
    """The facts for each medium, in order; the first unknown or unlabellable one raises."""
    with within(ledger, write=False) as work:
        orgs = {o.code: o for o in store.organisations(work.conn)}
        return [
            _facts(queries.media_record(work.conn, code).state, orgs, work.home) for code in codes
        ]


def _facts(state: MediaState, orgs: dict[str, Any], home: Org) -> LabelFacts:
    """One medium's label facts, or NotLabellable."""
    problem = label_problem(state, home.code)
    if problem:
        raise problem
    destination = orgs.get(state.destination)
    if destination is None:
        raise NotLabellable(
            f"{state.media_id}: destination {state.destination!r} is not a known organisation"
        )
    return LabelFacts(
        media_id=state.media_id,
        destination_code=destination.code,
        destination_name=destination.name,
        sender_code=home.code,
        sender_name=home.name,
        return_address=home.address or "",
        exception=None if state.encrypted else state.exception,
        urgent=state.urgent,
    )


def waiting_for_label(ledger: Work | OpenLedger, *, reprints: bool = False) -> Waiting:
    """Media still registered (not yet sent) and never labelled, oldest first.

    With `reprints`, every registered medium, labelled before or not. Media that may not be
    labelled are skipped with the reason, so one bad record does not hold up the rest.
    """
    with within(ledger, write=False) as work:
        rows = queries.list_media(work.conn, status=Status.REGISTERED)
    home = work.home.code
    ids, skipped = [], []
    for row in sorted(rows, key=lambda r: r["media_id"]):
        if row["labelled"] and not reprints:
            continue
        state = MediaState(
            media_id=row["media_id"],
            encrypted=bool(row["encrypted"]),
            exception=row["exception"],
            destination=row["destination"] or "",
            expected=bool(row["expected"]),
            unexpected=bool(row["unexpected"]),
        )
        problem = label_problem(state, home)
        if problem:
            skipped.append((row["media_id"], problem))
        else:
            ids.append(row["media_id"])
    return Waiting(ids, skipped)
