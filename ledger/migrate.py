"""Schema migrations: alembic, driven from code (no alembic.ini), on SQLite and PostgreSQL.

A new ledger is created from the models and stamped at the head revision; an
existing one is brought forward by the migrations in ledger/migrations/versions.
A ledger made before migrations existed (no alembic_version table) is the
first released schema, revision 0001.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from ledger.errors import LedgerNotFound

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"


class Migration(NamedTuple):
    """One revision: its ID and what it does."""

    revision: str
    summary: str


class SchemaStatus(NamedTuple):
    """Where a ledger's schema stands: its revision, the newest, and what is left to run."""

    current: str | None
    head: str
    pending: list[Migration]
    unstamped: bool


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The newest revision in ledger/migrations."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001
        raise RuntimeError("no migrations found")
    return head


def all_migrations() -> list[Migration]:
    """Every revision in ledger/migrations, oldest first."""
    scripts = _scripts()
    return [
        Migration(s.revision, (s.doc or "").strip().splitlines()[0])
        for s in reversed(list(scripts.iterate_revisions(head_revision(), "base")))
    ]


def _current(conn: Connection) -> tuple[str | None, bool]:
    """(revision, unstamped): a pre-migration ledger counts as FIRST_REVISION, unstamped."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None and sa.inspect(conn).has_table("events"):
        return FIRST_REVISION, True
    return revision, False


def status(engine: Engine) -> SchemaStatus:
    """The schema revision of this ledger and the migrations it still needs."""
    with engine.connect() as conn:
        current, unstamped = _current(conn)
    scripts = _scripts()
    head = head_revision()
    pending = [
        Migration(s.revision, (s.doc or "").strip().splitlines()[0])
        for s in reversed(list(scripts.iterate_revisions(head, current or "base")))
        if s.revision != current
    ]
    return SchemaStatus(current, head, pending, unstamped)


def upgrade(engine: Engine, revision: str = "head", *, from_empty: bool = False) -> SchemaStatus:
    """Run the migrations this ledger needs, up to `revision`; returns the status after.

    An empty database is refused (it needs `custody init`) unless `from_empty`.
    """
    with engine.connect() as conn:
        current, unstamped = _current(conn)
        if current is None and not from_empty:
            raise LedgerNotFound("this database is not a custody ledger: run `custody init`")
        config = _config(conn)
        if unstamped:
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, revision)
        conn.commit()
    return status(engine)


def stamp_head(conn: Connection) -> None:
    """Record that a ledger just created from the models is at the newest revision."""
    command.stamp(_config(conn), "head")
