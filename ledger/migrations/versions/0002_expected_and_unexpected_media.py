"""Media announced by a partner's manifest (expected) or received unannounced (unexpected).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the `expected` and `unexpected` flags to the media projection (false for old rows)."""
    # No media before this revision came from a manifest or arrived unannounced.
    op.add_column(
        "media", sa.Column("expected", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "media", sa.Column("unexpected", sa.Boolean(), nullable=False, server_default=sa.false())
    )
