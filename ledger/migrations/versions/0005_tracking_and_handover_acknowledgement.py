"""A parcel's tracking reference and the recipient's acknowledgement of an unencrypted disc.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `tracking` and `acknowledged_at` to the media projection (empty for old rows)."""
    # No ledger before this revision recorded a tracking or an acknowledged event.
    op.add_column("media", sa.Column("tracking", sa.String(), nullable=True))
    op.add_column("media", sa.Column("acknowledged_at", sa.String(), nullable=True))
