"""The station in-process: outcomes, unexpected and misdelivered arrivals, offline journal."""

from __future__ import annotations

from pathlib import Path

from ledger.api import Ledger
from ledger.clock import utcnow
from ledger.errors import LedgerUnreachable
from ledger.ids import make_media_id
from station import journal
from station.wedge import RETRY_EVERY, Settings, Station
from tests.station.conftest import make_ledger

FOREIGN = str(make_media_id("RM1", 42))


def station(db: Path, tmp_path: Path, action: str = "receive", site: str | None = None) -> Station:
    settings = Settings(action, "clerk", tmp_path / "journal.jsonl", site=site)
    s = Station(settings, lambda: Ledger.open(str(db)))
    s.connect()
    return s


def unreachable() -> Ledger:
    raise LedgerUnreachable("cannot reach the ledger: connection refused")


def test_unexpected_arrival_is_recorded_and_listed(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    make_ledger(db)
    st = station(db, tmp_path)
    outcome = st.handle(FOREIGN)
    assert (outcome.kind, outcome.status, outcome.anomaly) == ("recorded", "received", None)
    ledger = Ledger.open(str(db))
    [row] = ledger.list_media(unexpected=True)
    assert (row["media_id"], row["issuer"], row["status"]) == (FOREIGN, "RM1", "received")
    state = ledger.show(FOREIGN).state
    assert state.unexpected and not state.anomalies
    # Our own unknown serial is not an arrival but a refusal; so is an unknown ID at dispatch.
    assert st.handle(str(make_media_id("RGT", 900))).kind == "refused"
    st.handle("CMDDISPATCH")
    assert st.handle(str(make_media_id("RM1", 43))).kind == "refused"


def test_misdelivered_and_destroyed_media_are_recorded_with_reasons(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    st = station(db, tmp_path)  # receipt at RGT of media addressed to RGN
    outcome = st.handle(media[0])
    assert outcome.scan is not None and outcome.scan.state is not None
    assert outcome.scan.state.misdelivered
    st.handle("CMDDESTROYED")
    st.handle(media[1])
    st.handle("CMDRECEIVE")
    late = st.handle(media[1])
    assert late.kind == "recorded"
    assert late.anomaly == "receive after the medium was recorded destroyed"
    assert st.counts["anomalies"] == 2 and st.counts["recorded"] == 3


def test_double_read_counts_once(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    st = station(db, tmp_path, action="dispatch")
    kinds = [st.handle(code).kind for code in (media[0], media[0].lower(), media[1])]
    assert kinds == ["recorded", "duplicate", "recorded"]
    assert len(Ledger.open(str(db)).show(media[0]).events) == 2


def test_offline_scans_are_journaled_and_synced_once(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    settings = Settings("dispatch", "clerk", tmp_path / "journal.jsonl", site="RGT")
    st = Station(settings, unreachable)
    st.connect()
    assert st.offline
    kinds = [st.handle(c).kind for c in (media[0], media[0], media[1], "RGT00000001Z")]
    assert kinds == ["queued", "duplicate", "queued", "refused"]
    st.handle("CMDLOST")
    assert st.handle(media[2]).kind == "queued"
    events, problems = journal.read(settings.journal)
    assert problems == []
    assert [(e.media_id, e.action) for e in events] == [
        (media[0], "dispatch"),
        (media[1], "dispatch"),
        (media[2], "lost"),
    ]
    ledger = Ledger.open(str(db))
    first = journal.sync(ledger, settings.journal)
    assert len(first.recorded) == 3 and not first.refused
    # The original times, not the time of the sync.
    assert ledger.show(media[0]).events[-1].at == events[0].at
    second = journal.sync(ledger, settings.journal)
    assert (len(second.recorded), len(second.already)) == (0, 3)
    assert ledger.verify_chain().events == 4 + 3


def test_sync_reports_refusals_and_unreadable_lines(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    path = tmp_path / "journal.jsonl"
    st = Station(Settings("dispatch", "clerk", path, site="RGT"), unreachable)
    st.connect()
    st.handle(str(make_media_id("RGT", 777)))  # well-formed, but never registered here
    st.handle(media[0])
    with path.open("a") as f:
        f.write('{"event_id": "cut short by a power c')
    report = journal.sync(Ledger.open(str(db)), path)
    assert [r.event.media_id for r in report.refused] == [str(make_media_id("RGT", 777))]
    assert "unknown medium" in report.refused[0].reason
    assert len(report.recorded) == 1 and len(report.unreadable) == 1


def test_station_comes_back_online(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    reachable = {"now": False}

    def flaky() -> Ledger:
        if not reachable["now"]:
            raise LedgerUnreachable("cannot reach the ledger: share gone")
        return Ledger.open(str(db))

    now = [utcnow()]
    settings = Settings("dispatch", "clerk", tmp_path / "j.jsonl", site="RGT")
    st = Station(settings, flaky, clock=lambda: now[0])
    st.connect()
    assert st.handle(media[0]).kind == "queued"
    reachable["now"] = True
    assert st.handle(media[1]).kind == "queued"  # not retried at every scan
    now[0] += RETRY_EVERY
    assert st.handle(media[2]).kind == "recorded"
    assert st.offline is None


def test_offline_tracking_code_is_queued_with_its_parcel_and_synced_once(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media = make_ledger(db)
    reachable = {"now": False}

    def flaky() -> Ledger:
        if not reachable["now"]:
            raise LedgerUnreachable("cannot reach the ledger: share gone")
        return Ledger.open(str(db))

    now = [utcnow()]
    settings = Settings("dispatch", "clerk", tmp_path / "j.jsonl", site="RGT")
    st = Station(settings, flaky, clock=lambda: now[0])
    st.connect()
    assert [st.handle(m).kind for m in media[:2]] == ["queued", "queued"]
    # Back online for the parcel's last disc: its code still waits behind the queued dispatches.
    reachable["now"], now[0] = True, now[0] + RETRY_EVERY
    assert st.handle(media[2]).kind == "recorded"
    tracked = st.handle("AB123456785GB")
    assert (tracked.kind, tracked.reason, tracked.parcel) == (
        "queued",
        "AB 1234 5678 5 GB",
        tuple(media[:3]),
    )
    ledger = Ledger.open(str(db))
    first = journal.sync(ledger, settings.journal)
    assert (len(first.recorded), first.refused) == (5, [])
    assert {m: ledger.show(m).state.tracking for m in media[:3]} == dict.fromkeys(
        media[:3], "AB123456785GB"
    )
    second = journal.sync(ledger, settings.journal)
    assert (len(second.recorded), len(second.already)) == (0, 5)
