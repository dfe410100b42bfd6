"""Labelling in the ledger: `labelled` events, label facts, and which media wait for a label."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.api import Ledger, Registration
from ledger.errors import NotLabellable, UnknownMedia
from ledger.ids import make_media_id
from ledger.labelling import LabelFacts, label_facts, waiting_for_label
from tests.conftest import NHS, Clock


def register(ledger: Ledger, **kwargs: object) -> str:
    reg = Registration(nhs_number=NHS[0], destination="RXH")
    return ledger.register(replace(reg, **kwargs), operator="admin").media_id  # type: ignore[arg-type]


def test_labelled_records_one_event_per_medium_in_history(ledger: Ledger) -> None:
    first, second = register(ledger), register(ledger)
    events = ledger.labelled(
        [first, second, second.lower()], template="avery-l7160", file="a.pdf", operator="ia"
    )
    assert [(e.media_id, e.action) for e in events] == [(first, "labelled"), (second, "labelled")]
    assert events[0].detail == {"template": "avery-l7160", "file": "a.pdf"}
    assert events[1].detail == {"template": "avery-l7160", "file": "a.pdf", "copies": 2}
    ledger.labelled([first], template="brother-62x29", file="b.png", operator="ia")
    record = ledger.show(first)
    assert [e.action for e in record.events] == ["register", "labelled", "labelled"]
    assert record.state.labelled == 2 and str(record.state.status) == "registered"
    assert ledger.verify_chain().events == 5


def test_labelled_unknown_medium_records_nothing(ledger: Ledger) -> None:
    known = register(ledger)
    with pytest.raises(UnknownMedia):
        ledger.labelled(
            [known, str(make_media_id("RGT", 98))], template="t", file="f", operator="ia"
        )
    assert ledger.show(known).state.labelled == 0
    assert ledger.verify_chain().events == 1


def test_label_facts_carry_routing_never_the_patient(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger.create(
        str(tmp_path / "l.db"), "RGT", "Cambridge", address="Hills Road\nCambridge", clock=clock
    )
    ledger.add_org("RXH", "Sussex")
    urgent = register(ledger, urgent=True)
    handed = register(
        ledger,
        encrypted=False,
        exception="patient-handover",
        approved_by="patient",
        exception_reason="collected in person",
    )
    facts = label_facts(ledger, [urgent, handed])
    assert facts[0] == LabelFacts(
        urgent, "RXH", "Sussex", "RGT", "Cambridge", "Hills Road\nCambridge", None, True
    )
    assert (facts[1].exception, facts[1].urgent) == ("patient-handover", False)
    assert NHS[0] not in repr(facts)


def test_unencrypted_without_exception_is_not_labellable(ledger: Ledger) -> None:
    ok = register(ledger)
    # A bulk import accepts an unencrypted row without an exception (a paper-log backfill).
    bare = ledger.register_many(
        [Registration(nhs_number=NHS[1], destination="RXH", encrypted=False)], operator="ia"
    )[0].media_id
    with pytest.raises(NotLabellable, match=f"{bare} is not encrypted"):
        label_facts(ledger, [ok, bare])
    waiting = waiting_for_label(ledger)
    assert waiting.media_ids == [ok]
    assert [m for m, _ in waiting.skipped] == [bare]


def test_waiting_means_registered_and_never_labelled(ledger: Ledger) -> None:
    sent, printed, fresh = register(ledger), register(ledger), register(ledger)
    ledger.scan("dispatch", sent, operator="pr")
    ledger.labelled([printed], template="avery-l7160", file="a.pdf", operator="ia")
    assert waiting_for_label(ledger).media_ids == [fresh]
    assert waiting_for_label(ledger, reprints=True).media_ids == [printed, fresh]


def _announced(ledger: Ledger, media_id: str) -> None:
    """A partner's manifest announcing `media_id` (issued by RXH) on its way to this ledger."""
    from ledger.manifests import Manifest, ManifestItem, _signed, import_manifest

    item = ManifestItem(
        media_id=media_id,
        dispatched_at="2025-12-21T09:00:00.000000Z",
        kind="cd",
        urgent=False,
        encrypted=True,
        exception=None,
        accession=None,
        study_uid=None,
        nhs_number=NHS[0],
        dispatch_event_id="00000000-0000-4000-8000-000000000001",
    )
    manifest = Manifest("RXH", "RGT", "2025-12-21T10:00:00.000000Z", None, 1, "0" * 64, (item,))
    import_manifest(ledger, _signed(manifest), operator="admin")


def test_another_organisations_media_are_not_labellable(ledger: Ledger) -> None:
    ours = register(ledger)
    unannounced, announced = str(make_media_id("RJ1", 1)), str(make_media_id("RXH", 1))
    assert ledger.scan("receive", unannounced, operator="post").state.unexpected  # type: ignore[union-attr]
    _announced(ledger, announced)
    assert ledger.show(announced).state.expected
    for other in (unannounced, announced):
        with pytest.raises(NotLabellable, match=f"{other} is another organisation's medium"):
            label_facts(ledger, [ours, other])
    assert [f.media_id for f in label_facts(ledger, [ours])] == [ours]


def test_waiting_for_label_leaves_out_media_of_other_issuers(ledger: Ledger) -> None:
    from ledger.labelling import label_problem
    from ledger.transitions import MediaState

    ours = register(ledger)
    theirs = MediaState(media_id=str(make_media_id("RXH", 5)), destination="RGT")
    assert str(label_problem(theirs, "RGT")) == (
        f"{theirs.media_id} was issued by RXH, not RGT: labels are printed only for media this "
        "ledger issued"
    )
    assert label_problem(theirs._replace(media_id=ours), "RGT") is None
    assert waiting_for_label(ledger).media_ids == [ours]
