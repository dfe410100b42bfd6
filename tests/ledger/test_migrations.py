"""Alembic migrations: they build the models' schema, and upgrade a 0001 ledger losing nothing.

tests/ledger/data/ledger_0001.json is a small ledger written by the first released
core (revision 0001): organisations, registrations, scans, a misdelivery, a
loss, a correction; every row of every table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from ledger import migrate, store
from ledger.api import Ledger
from ledger.errors import LedgerNotFound, SchemaMismatch
from ledger.migrate import all_migrations
from ledger.schema import SCHEMA_REVISION
from tests.cli_helpers import custody, ok

DATA = json.loads((Path(__file__).parent / "data" / "ledger_0001.json").read_text())
HEAD_0001 = DATA["chain_head"][0]["hash"]
APPEND_ONLY_TRIGGERS = {
    "sqlite": {"events_no_update", "events_no_delete"},
    "postgresql": {"events_append_only", "events_no_truncate"},
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        store.open_engine(str(path), create=True).dispose()
        return str(path)
    return str(request.getfixturevalue("pg_url"))


def _triggers(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return {r[0] for r in conn.exec_driver_sql(query)}


def test_schema_revision_is_the_newest_migration() -> None:
    assert migrate.head_revision() == SCHEMA_REVISION


def test_migrations_build_what_init_builds(target: str) -> None:
    engine = store.open_engine(target)
    with pytest.raises(LedgerNotFound):
        migrate.upgrade(engine)
    assert migrate.upgrade(engine, from_empty=True).current == SCHEMA_REVISION
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert differences == [], "the models and the migrations disagree: add a migration"
        assert _triggers(conn) == APPEND_ONLY_TRIGGERS[conn.dialect.name]
    with store.connect(engine) as conn:
        assert store.head(conn) == (0, "0" * 64)


def _load_0001(target: str, *, stamped: bool) -> sa.Engine:
    """A ledger at revision 0001 holding the rows of the fixture, as the released core wrote it."""
    engine = store.open_engine(target)
    migrate.upgrade(engine, "0001", from_empty=True)
    meta = sa.MetaData()
    with engine.begin() as conn:
        meta.reflect(conn)
        for name, rows in DATA.items():
            table = meta.tables[name]
            typed = [_typed(table, r) for r in rows]
            if name == "chain_head":
                conn.execute(sa.update(table).values(**typed[0]))
            else:
                conn.execute(sa.insert(table), typed)
        if conn.dialect.name == "postgresql":
            # The released core numbered events from the sequence; so must these rows.
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('events', 'seq'), "
                "(SELECT MAX(seq) FROM events))"
            )
        if not stamped:
            conn.exec_driver_sql("DROP TABLE alembic_version")
    return engine


def _typed(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands booleans out as 0/1; PostgreSQL wants them as booleans."""
    return {
        k: bool(v) if isinstance(table.c[k].type, sa.Boolean) and v is not None else v
        for k, v in row.items()
    }


@pytest.mark.parametrize("stamped", [True, False], ids=["at-0001", "before-migrations"])
def test_upgrade_from_first_released_schema_keeps_everything(target: str, stamped: bool) -> None:
    engine = _load_0001(target, stamped=stamped)
    with pytest.raises(SchemaMismatch, match="run `custody db upgrade`"):
        Ledger.open(target)
    later = [m for m in all_migrations() if m.revision != "0001"]
    newest = later[-1].revision
    listed = custody(target, "list")
    assert (listed.exit_code, listed.stderr) == (
        1,
        "error: the ledger's schema is at revision "
        + ("0001" if stamped else "0001 (made before migrations)")
        + f"; this custody needs {newest}: run `custody db upgrade`\n",
    )
    assert ok(target, "db", "status") == (
        "schema revision 0001" + ("" if stamped else " (made before migrations)") + "\n"
        f"newest revision {newest}\n"
        + "".join(f"pending  {m.revision}  {m.summary}\n" for m in later)
        + f"{len(later)} migration(s) pending: run `custody db upgrade`\n"
    )
    assert ok(target, "db", "upgrade") == (
        "".join(f"applied  {m.revision}  {m.summary}\n" for m in later)
        + f"schema revision {newest} (up to date)\n"
    )
    assert ok(target, "db", "status").endswith("up to date\n")
    assert ok(target, "db", "upgrade") == f"schema revision {newest} (up to date)\n"

    with engine.connect() as conn:
        for name, rows in DATA.items():
            table = (
                store.MEDIA
                if name == "media"
                else sa.Table(name, sa.MetaData(), autoload_with=conn)
            )
            got = [
                dict(r._mapping)
                for r in conn.execute(sa.select(table).order_by(*table.primary_key))
            ]
            assert [{k: r[k] for k in rows[0]} for r in got] == [_typed(table, r) for r in rows], (
                name
            )
            if name == "media":
                assert {(r["expected"], r["unexpected"]) for r in got} == {(False, False)}
    assert ok(target, "verify").startswith(f"verified 19 events\nhead digest {HEAD_0001}\n")

    ledger = Ledger.open(target)
    media_id = DATA["media"][-1]["media_id"]
    assert ledger.scan("dispatch", media_id, operator="post.room").outcome == "recorded"
    assert ledger.verify_chain().events == 20
    assert ledger.show(media_id).state.status == "dispatched"


def test_init_makes_the_same_triggers(target: str) -> None:
    ledger = Ledger.create(target, "RGT", "Cambridge")
    with ledger.engine.connect() as conn:
        assert _triggers(conn) == APPEND_ONLY_TRIGGERS[conn.dialect.name]
    assert ok(target, "db", "status") == (
        f"schema revision {SCHEMA_REVISION}\nnewest revision {SCHEMA_REVISION}\nup to date\n"
    )
