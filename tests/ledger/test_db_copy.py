"""`custody db copy`: a station's SQLite ledger into PostgreSQL, events, hashes and all."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from ledger import store
from ledger.api import Ledger
from ledger.rules import Registration
from tests.cli_helpers import NHS, custody, ok


def _events(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(store.EVENTS).order_by("seq"))]


def test_copy_sqlite_into_postgresql(tmp_path: Path, pg_url: str) -> None:
    source = str(tmp_path / "station.db")
    ledger = Ledger.create(source, "RGT", "Cambridge")
    ledger.add_org("RXH", "Brighton", "Eastern Road")
    states = ledger.register_many(
        [Registration(nhs_number=NHS[i % 3], destination="RXH", urgent=i == 1) for i in range(5)],
        operator="admin",
    )
    ids = [s.media_id for s in states]
    for media_id in ids[:3]:
        ledger.scan("dispatch", media_id, operator="post.room")
    wrong = ledger.scan("receive", ids[0], operator="post.room")
    ledger.correct(str(wrong.event_id), reason="wrong button", operator="admin")
    original = ledger.verify_chain()

    assert ok(source, "db", "copy", "--to", pg_url) == (
        f"copied {original.events} events and 5 media to {pg_url}\n"
        f"head digest {original.head} (verified on the copy)\n"
    )
    copy = Ledger.open(pg_url)
    assert _events(copy.engine) == _events(ledger.engine)
    assert copy.verify_chain() == original
    assert copy.organisations() == ledger.organisations()
    assert copy.list_media() == ledger.list_media()
    assert (
        ok(pg_url, "verify") == f"verified {original.events} events\nhead digest {original.head}\n"
        "re-folded 5 media: the projection matches the events\n"
        "no signed checkpoints yet (custody checkpoint)\n"
    )

    # The copy carries on where the original stopped: numbering, serials, chain.
    assert copy.scan("dispatch", ids[3], operator="post.room").outcome == "recorded"
    new = copy.register(Registration(nhs_number=NHS[0], destination="RXH"), operator="admin")
    assert new.media_id.startswith("RGT00000006")
    assert [e.seq for e in copy.show(new.media_id).events] == [original.events + 2]
    assert copy.verify_chain().events == original.events + 2

    again = custody(source, "db", "copy", "--to", pg_url)
    assert (again.exit_code, again.stderr) == (
        1,
        f"error: {pg_url} already holds a ledger; copy only into an empty one\n",
    )
