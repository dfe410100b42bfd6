"""Accounts for the web app, the log of sign-ins, and media indexed for search.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `accounts` and `sign_ins` (empty: nobody has an account yet); index media for search."""
    op.create_index("ix_media_nhs_number", "media", ["nhs_number"])
    op.create_index("ix_media_accession", "media", ["accession"])
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.String(length=27), nullable=True),
        sa.Column("locked_until", sa.String(length=27), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("badge_hash", sa.String(length=64), nullable=True, unique=True),
        sa.Column("badge_issued_at", sa.String(length=27), nullable=True),
    )
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
    )
    op.create_index("ix_sign_ins_at", "sign_ins", ["at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_sign_ins_at", table_name="sign_ins")
    op.drop_table("sign_ins")
    op.drop_table("accounts")
    op.drop_index("ix_media_accession", table_name="media")
    op.drop_index("ix_media_nhs_number", table_name="media")
