"""What a check against the PACS found: a partial import, and the last check's verdict.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `import_partial_at` and `import_check` to the media projection (empty for old rows)."""
    # No medium before this revision was checked against a PACS.
    op.add_column("media", sa.Column("import_partial_at", sa.String(), nullable=True))
    op.add_column("media", sa.Column("import_check", sa.String(), nullable=True))
