"""Partners' public keys, and signed checkpoints of the chain head.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `organisations.public_key` (none yet) and the empty `checkpoints` table."""
    op.add_column("organisations", sa.Column("public_key", sa.String(), nullable=True))
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=27), nullable=False),
        sa.Column("public_key", sa.String(), nullable=False),
        sa.Column("signature", sa.String(), nullable=False),
    )
