"""The first released schema (ledger core, issue 3): events, media, organisations.

Frozen: this is what `custody init` made before migrations existed, written out
so that it never changes when the models do.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
]
_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION custody_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION custody_events_append_only()",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION custody_events_append_only()",
]


def upgrade() -> None:
    """Create the tables of the ledger core, its append-only triggers and the chain head."""
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("media_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column("site", sa.String(length=5), nullable=False),
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_media_id", "events", ["media_id"])
    op.create_table(
        "media",
        sa.Column("media_id", sa.String(length=16), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("issuer", sa.String(length=5), nullable=False),
        sa.Column("destination", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("exception", sa.String(), nullable=True),
        sa.Column("nhs_number", sa.String(), nullable=True),
        sa.Column("accession", sa.String(), nullable=True),
        sa.Column("study_uid", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        *(
            sa.Column(name, sa.String(), nullable=True)
            for name in (
                "status_at",
                "registered_at",
                "dispatched_at",
                "received_at",
                "received_site",
                "to_pacs_at",
                "imported_at",
                "import_failed_at",
                "returned_at",
                "destroyed_at",
                "lost_at",
                "password_sent_at",
                "password_via",
            )
        ),
        sa.Column("labelled", sa.Integer(), nullable=False),
        sa.Column("misdelivered", sa.Boolean(), nullable=False),
        sa.Column("anomalies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("media_id"),
    )
    op.create_index("ix_media_destination", "media", ["destination"])
    op.create_index("ix_media_status", "media", ["status"])
    op.create_table(
        "organisations",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("home", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "serials",
        sa.Column("issuer", sa.String(length=5), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for ddl in _SQLITE_TRIGGERS if sqlite else _POSTGRESQL_TRIGGERS:
        op.execute(ddl)
    op.execute("INSERT INTO chain_head (id, seq, count, hash) VALUES (1, 0, 0, '" + "0" * 64 + "')")
