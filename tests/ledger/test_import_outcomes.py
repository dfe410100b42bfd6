"""Import outcomes checked against the PACS: verified, partial, and the studies a medium carries."""

from __future__ import annotations

import pytest

from ledger.api import Ledger, Registration
from ledger.errors import InvalidValue
from ledger.events import Event
from ledger.studies import SeriesCount, StudyCount, studies_detail, studies_from_detail
from ledger.transitions import Status, fold
from tests.conftest import NHS
from tests.ledger.test_transitions import ev, registered

CT = StudyCount(
    "1.2.3", 5, (SeriesCount("1.2.3.1", "CT", 3), SeriesCount("1.2.3.2", "CT", 2)), "A1"
)
MR = StudyCount("1.2.4", 1, (SeriesCount("1.2.4.1", "MR", 1),))


def _main_path(*more: Event) -> list[Event]:
    return [
        registered(),
        ev("dispatch", 1, 2),
        ev("receive", 30, 3, site="RXH"),
        ev("to-pacs", 31, 4, site="RXH"),
        *more,
    ]


def test_studies_round_trip_through_event_detail() -> None:
    assert studies_from_detail(studies_detail([CT, MR])) == (CT, MR)


def test_partial_import_leads_to_import_failed_and_is_stamped() -> None:
    events = _main_path(ev("imported", 32, 5, site="RXH"), ev("import-partial", 33, 6, site="RXH"))
    state = fold("RGT00000042X", events)
    assert state.status == Status.IMPORT_FAILED
    assert state.import_partial_at == events[-1].at
    assert state.import_check == "partial"
    assert state.anomalies == ()


def test_verified_import_after_the_desk_said_imported_is_no_anomaly() -> None:
    events = _main_path(
        ev("imported", 32, 5, site="RXH"),
        ev("imported", 33, 6, site="RXH", verified=True),
    )
    state = fold("RGT00000042X", events)
    assert (state.status, state.import_check, state.anomalies) == (Status.IMPORTED, "verified", ())


def test_a_later_unchecked_outcome_clears_the_check() -> None:
    events = _main_path(
        ev("import-partial", 32, 5, site="RXH"),
        ev("imported", 33, 6, site="RXH", verified=True, presence_only=True),
    )
    assert fold("RGT00000042X", events).import_check == "present"
    events.append(ev("import-failed", 34, 7, site="RXH"))
    state = fold("RGT00000042X", events)
    assert (state.import_check, state.status) == (None, Status.IMPORT_FAILED)
    assert state.import_partial_at == events[4].at


def test_partial_before_the_pacs_desk_had_it_is_flagged() -> None:
    state = fold("RGT00000042X", [registered(), ev("import-partial", 1, 2)])
    assert [a.text for a in state.anomalies] == ["import-partial while registered: out of order"]


def test_received_disc_contents_are_kept() -> None:
    events = [registered(studies=studies_detail([CT])), ev("receive", 3, 2, site="RXH")]
    events.append(ev("receive", 30, 3, site="RXH", studies=studies_detail([CT, MR])))
    state = fold("RGT00000042X", events)
    assert state.studies == (CT,)
    assert state.received_studies == (CT, MR)


def test_registration_stores_every_study_and_the_projection_omits_them(ledger: Ledger) -> None:
    reg = Registration(NHS[0], "RXH", accession="A1", study_uid=CT.study_uid, studies=(CT, MR))
    state = ledger.register(reg, operator="admin")
    assert ledger.show(state.media_id).state.studies == (CT, MR)
    (row,) = ledger.list_media()
    assert "studies" not in row and row["import_check"] is None


def test_every_study_uid_is_checked(ledger: Ledger) -> None:
    bad = StudyCount("1.02.3", 1)
    with pytest.raises(InvalidValue, match=r"study UID '1.02.3' is not dotted digits"):
        ledger.register(Registration(NHS[0], "RXH", studies=(CT, bad)), operator="admin")
