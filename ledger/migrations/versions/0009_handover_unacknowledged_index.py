"""A partial index on media for handover discs with no acknowledgement (#17).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_WHERE = "exception = 'patient-handover' AND acknowledged_at IS NULL"


def upgrade() -> None:
    """Add ix_media_handover_unacknowledged, so `open_media` needs no full scan of media."""
    op.create_index(
        "ix_media_handover_unacknowledged",
        "media",
        ["exception", "acknowledged_at"],
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_index("ix_media_handover_unacknowledged", table_name="media")
