"""Alembic's environment: always handed an open connection by ledger.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ledger.schema  # noqa: F401 - registers the tables on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run ledger migrations through ledger.migrate (custody db upgrade)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters most columns only by copying the table; alembic's batch mode does that.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
