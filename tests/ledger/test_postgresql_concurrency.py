"""Eight stations scanning one ledger at once (PostgreSQL, SQLite): none lost, none doubled."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ledger.api import Ledger
from ledger.rules import Registration
from tests.cli_helpers import NHS, ok
from tests.stations import run_stations

STATIONS = 8
OWN = 4  # media each station alone dispatches and then receives
SHARED = 6  # media every station dispatches at the same moment


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("pg_url"))


def test_eight_stations_scan_concurrently(db: str) -> None:
    ledger = Ledger.create(db, "RGT", "Cambridge")
    ledger.add_org("RXH", "Brighton")
    total = STATIONS * OWN + SHARED
    states = ledger.register_many(
        [Registration(nhs_number=NHS[i % 3], destination="RXH") for i in range(total)],
        operator="admin",
    )
    ids = [s.media_id for s in states]
    shared, own = ids[:SHARED], ids[SHARED:]

    # Every station scans the shared media first, so those scans collide; then its own.
    plans = [
        [("dispatch", m, "RGT") for m in shared]
        + [("dispatch", m, "RGT") for m in own[i * OWN : (i + 1) * OWN]]
        + [("receive", m, "RXH") for m in own[i * OWN : (i + 1) * OWN]]
        for i in range(STATIONS)
    ]
    ledger.engine.dispose()  # the stations are forked: they must not share its connections
    results = run_stations(db, plans)

    outcomes = Counter(o for r in results for (_, _, o, _) in r)
    assert outcomes == {
        "recorded": SHARED + 2 * STATIONS * OWN,
        "duplicate": SHARED * (STATIONS - 1),
    }
    per_shared = Counter(
        m for r in results for (_, m, o, _) in r if o == "recorded" and m in shared
    )
    assert per_shared == dict.fromkeys(shared, 1)

    listed = {m["media_id"]: m["status"] for m in ledger.list_media()}
    assert listed == {**dict.fromkeys(shared, "dispatched"), **dict.fromkeys(own, "received")}
    for media_id in shared:
        actions = [e.action for e in ledger.show(media_id).events]
        assert actions == ["register", "dispatch"]
    events = total + SHARED + 2 * STATIONS * OWN
    assert ledger.verify_chain().events == events
    assert ok(db, "verify").splitlines()[0] == f"verified {events} events"
