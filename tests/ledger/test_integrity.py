"""Attacks on the ledger as someone with write access to the database would make them (#12).

Each is caught by `verify`: the projection edited, events cut from the end with the chain
head fixed, an event changed and every later hash recomputed with the project's own hash
function. The last two pass the chain check, as they must (the chain is self-consistent);
what catches them is a head printed earlier (`verify --expect`).
"""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import store
from ledger.api import Ledger, Registration
from ledger.errors import IntegrityError, InvalidValue
from ledger.events import event_hash
from tests.conftest import NHS, Clock


@pytest.fixture
def book(ledger: Ledger, clock: Clock) -> list[str]:
    """Three media: one lost, one imported, one registered; 8 events."""
    media = [
        ledger.register(Registration(nhs_number=n, destination="RXH"), operator="admin").media_id
        for n in NHS[:3]
    ]
    for action, target in (("dispatch", 0), ("lost", 0), ("dispatch", 1), ("receive", 1)):
        clock.advance(minutes=5)
        ledger.scan(
            action, media[target], operator="post", site="RXH" if action == "receive" else None
        )
    clock.advance(minutes=5)
    ledger.transfer("RXH", route="iep", operator="admin")
    assert ledger.verify_chain().events == 8
    return media


@pytest.fixture
def raw(db_path: Path) -> Iterator[sqlite3.Connection]:
    """The database opened by hand, append-only triggers removed: what an attacker has."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    yield conn
    conn.close()


def test_a_clean_ledger_verifies_every_medium(ledger: Ledger, book: list[str]) -> None:
    checked = ledger.check()
    assert (checked.events, checked.media, checked.problems) == (8, 3, ())


def test_projection_edit_is_named_by_medium_column_and_values(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection, cli: Callable[..., Any]
) -> None:
    lost = book[0]
    raw.execute("UPDATE media SET status = 'imported', encrypted = 0 WHERE media_id = ?", (lost,))
    with pytest.raises(IntegrityError) as caught:
        ledger.verify_chain()
    assert str(caught.value) == (
        f"{lost}: column status is stored 'imported', re-folded from its events 'lost' "
        "(1 more problem found)"
    )
    result = cli("verify")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {lost}: column status is stored 'imported', re-folded from its events 'lost'",
        f"error: {lost}: column encrypted is stored 0, re-folded from its events True",
    ]
    # The chain was never touched: rebuilding the projection puts it right, nothing else moves.
    head = raw.execute("SELECT seq, count, hash FROM chain_head").fetchone()
    events = raw.execute("SELECT * FROM events ORDER BY seq").fetchall()
    assert cli("db", "rebuild").stdout == "rebuilt the projection of 3 media from the events\n"
    assert ledger.verify_chain().events == 8
    assert ledger.list_media(status="lost")[0]["media_id"] == lost
    assert raw.execute("SELECT seq, count, hash FROM chain_head").fetchone() == head
    assert raw.execute("SELECT * FROM events ORDER BY seq").fetchall() == events


def test_a_projection_row_with_no_events_and_a_medium_with_no_row(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection
) -> None:
    raw.execute("UPDATE media SET media_id = 'RGT000000999' WHERE media_id = ?", (book[2],))
    problems = [p.text for p in ledger.check().problems]
    assert problems == [
        f"{book[2]}: events, but no row in the media projection",
        "RGT000000999: a row in the media projection, no events",
    ]


def test_truncation_with_the_head_fixed_is_caught_by_the_printed_head(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection, cli: Callable[..., Any]
) -> None:
    printed = ledger.verify_chain()
    expect = f"{printed.head}@{printed.events}"
    # Cut the last two events and set the head to the new last one: the chain is consistent.
    raw.execute("DELETE FROM events WHERE seq > 6")
    seq, digest = raw.execute("SELECT seq, hash FROM events ORDER BY seq DESC").fetchone()
    raw.execute("UPDATE chain_head SET seq = ?, count = 6, hash = ?", (seq, digest))
    # The medium that lost its receive gets its projection fixed too, as a careful attacker would.
    Ledger.open(str(ledger.engine.url.database)).rebuild_projection()
    assert ledger.verify_chain().events == 6  # without a printed head, nothing to hold it to
    with pytest.raises(IntegrityError) as caught:
        ledger.verify_chain(expect)
    assert str(caught.value) == (
        f"no event has the expected head digest {expect}: the history that ended there was "
        "rewritten or cut short"
    )
    result = cli("verify", "--expect", expect)
    assert result.exit_code == 1 and "rewritten or cut short" in result.stderr


def test_full_recomputation_is_caught_by_the_printed_head(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection
) -> None:
    printed = ledger.verify_chain()
    # Turn the loss into a receipt, then recompute every later hash with the project's own code.
    raw.execute("UPDATE events SET action = 'receive', site = 'RXH' WHERE seq = 5")
    with ledger.engine.connect() as conn:
        rows = list(conn.execute(sa.select(store.EVENTS).order_by(store.EVENTS.c.seq)))
    prev = rows[3].hash
    for row in rows[4:]:
        event = store.to_event(row)
        digest = event_hash(event, prev)
        raw.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row.seq)
        )
        prev = digest
    raw.execute("UPDATE chain_head SET hash = ?", (prev,))
    ledger.rebuild_projection()
    assert ledger.verify_chain().events == 8  # self-consistent: the chain alone cannot tell
    assert ledger.list_media(status="lost") == []
    with pytest.raises(IntegrityError, match="no event has the expected head digest"):
        ledger.verify_chain(printed.head)
    with pytest.raises(IntegrityError, match="no event has the expected head digest"):
        ledger.verify_chain(f"{printed.head}@8")


def test_expect_an_earlier_head_of_a_longer_ledger(
    ledger: Ledger, book: list[str], clock: Clock
) -> None:
    printed = ledger.verify_chain()
    clock.advance(minutes=5)
    ledger.scan("to-pacs", book[1], operator="rxh", site="RXH")
    assert ledger.verify_chain(f"{printed.head}@8").events == 9
    assert ledger.verify_chain(printed.head.upper()).events == 9
    with pytest.raises(IntegrityError, match="is event 8 of the chain, not event 7"):
        ledger.verify_chain(f"{printed.head}@7")


@pytest.mark.parametrize("bad", ["abc", "x" * 64, "a" * 64 + "@seven", ""])
def test_a_malformed_expected_head_is_one_line(ledger: Ledger, bad: str) -> None:
    with pytest.raises(InvalidValue, match=r"head digest|number of events"):
        ledger.verify_chain(bad)


def test_reports_refuse_a_projection_the_events_contradict(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection, cli: Callable[..., Any]
) -> None:
    as_of = ("--as-of", "2025-12-23")
    before = cli("report", "incidents", *as_of, "--format", "csv")
    assert before.exit_code == 0 and f"{book[0]},lost" in before.stdout
    # The attack from the issue: the lost disc made "imported" and "unencrypted" in place.
    raw.execute(
        "UPDATE media SET status = 'imported', encrypted = 0 WHERE media_id = ?", (book[0],)
    )
    result = cli("report", "incidents", *as_of)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: the media projection disagrees with the events: "
        f"{book[0]}: column encrypted is stored 0, re-folded from its events True "
        "(1 more); nothing reported (run `custody verify`, then `custody db rebuild`)\n"
    )
    # The PACS team's list reads the open media: a registered disc made "dispatched" is refused.
    raw.execute("UPDATE media SET status = 'dispatched' WHERE media_id = ?", (book[2],))
    result = cli("report", "unreconciled", *as_of)
    assert result.exit_code == 1 and f"{book[2]}: column status is stored 'dispatched'" in (
        result.stderr
    )
    assert cli("db", "rebuild").exit_code == 0
    assert cli("report", "incidents", *as_of, "--format", "csv").stdout == before.stdout


def test_a_large_ledger_is_re_folded_by_several_processes_with_the_same_result(
    ledger: Ledger, book: list[str], raw: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import integrity

    alone = ledger.check()
    monkeypatch.setattr(integrity, "PARALLEL_FROM_EVENTS", 1)
    monkeypatch.setattr(integrity.os, "cpu_count", lambda: 3)
    with ledger.engine.connect() as conn:
        spans = integrity._spans(conn, 6)
        with integrity._media_check(conn) as result:
            assert multiprocessing.active_children()  # the media are re-folded elsewhere
            media, problems = result()
    assert media == alone.media and problems == []
    # The ranges cover every medium once, whatever the cuts.
    assert len(spans) > 1 and spans[0].low is None and spans[-1].high is None
    assert all(a.high == b.low for a, b in itertools.pairwise(spans))
    assert ledger.check() == alone
    raw.execute("UPDATE media SET kind = 'usb' WHERE media_id = ?", (book[2],))
    assert [p.text for p in ledger.check().problems] == [
        f"{book[2]}: column kind is stored 'usb', re-folded from its events 'cd'"
    ]
