"""A partner's custody mailbox, and the reminders sent (so a second run on a day sends nothing).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `organisations.email` (empty) and the `reminders_sent` table (empty)."""
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("email", sa.String(), nullable=True))
    op.create_table(
        "reminders_sent",
        sa.Column("day", sa.String(length=10), primary_key=True),
        sa.Column("recipient", sa.String(), primary_key=True),
        sa.Column("item", sa.String(), primary_key=True),
        sa.Column("sent_at", sa.String(length=27), nullable=False),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("reminders_sent")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("email")
