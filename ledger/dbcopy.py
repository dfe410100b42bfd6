"""`custody db copy`: move a ledger (a station's SQLite file) into another database.

Every row is copied as it is: events keep their seq, hashes and prev hashes,
so the copy verifies to the same head digest as the original.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import SQLModel

from ledger import store
from ledger.api import Ledger
from ledger.errors import IntegrityError, TargetNotEmpty
from ledger.schema import Setting

BATCH = 5000
SETTINGS: sa.Table = Setting.__table__  # type: ignore[attr-defined]


class CopyReport(NamedTuple):
    """A finished copy: how many events and media, and the head digest both verify to."""

    events: int
    media: int
    head: str


def _holds_a_ledger(conn: sa.Connection) -> bool:
    """True when the database already has events or settings of a ledger."""
    inspector = sa.inspect(conn)
    return any(
        inspector.has_table(name) and conn.execute(sa.select(table).limit(1)).first() is not None
        for name, table in (("events", store.EVENTS), ("settings", SETTINGS))
    )


def copy_ledger(source: str, target: str) -> CopyReport:
    """Copy the ledger at `source` into the empty database at `target`; both must verify."""
    original = Ledger.open(source)
    before = original.verify_chain()
    engine = store.open_engine(target, create=True)
    with store.connect(engine) as conn:
        if _holds_a_ledger(conn):
            raise TargetNotEmpty(f"{target} already holds a ledger; copy only into an empty one")
    store.create_schema(engine)
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != store.HEAD.name]
    with store.connect(original.engine) as src, store.connect(engine, write=True) as dst:
        for table in tables:
            rows = src.execution_options(yield_per=BATCH).execute(
                sa.select(table).order_by(*table.primary_key.columns)
            )
            for chunk in rows.mappings().partitions():
                dst.execute(sa.insert(table), [dict(r) for r in chunk])
        head = src.execute(sa.select(store.HEAD)).mappings().one()
        dst.execute(sa.update(store.HEAD).where(store.HEAD.c.id == head["id"]).values(**head))
        if dst.dialect.name == "postgresql":
            # Rows came with their own seq; the next event must be numbered after them.
            dst.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('events', 'seq'), "
                "COALESCE((SELECT MAX(seq) FROM events), 0) + 1, false)"
            )
        media = dst.execute(sa.select(sa.func.count()).select_from(store.MEDIA)).scalar_one()
    after = Ledger(engine).verify_chain()
    if after != before:
        raise IntegrityError(
            f"the copy verifies to {after.events} events, head {after.head}; "
            f"the original to {before.events}, head {before.head}"
        )
    return CopyReport(after.events, int(media), after.head)
