"""The first sequence anomaly on the media projection, and an events index by action and time.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `first_anomaly_at`/`first_anomaly` (refolded from the events) and ix_events_action_at."""
    op.add_column("media", sa.Column("first_anomaly_at", sa.String(), nullable=True))
    op.add_column("media", sa.Column("first_anomaly", sa.String(), nullable=True))
    op.create_index("ix_events_action_at", "events", ["action", "at"])
    _fill_first_anomalies()


def _fill_first_anomalies() -> None:
    """Media with anomalies get their first one from the fold, as new events would set it."""
    from ledger import store
    from ledger.clock import to_text
    from ledger.transitions import fold

    conn = op.get_bind()
    flagged = [
        r[0] for r in conn.execute(sa.text("SELECT media_id FROM media WHERE anomalies > 0"))
    ]
    for media_id in flagged:
        state = fold(media_id, store.media_events(conn, media_id))
        first = state.anomalies[0]
        conn.execute(
            sa.text(
                "UPDATE media SET first_anomaly_at = :at, first_anomaly = :text WHERE media_id = :m"
            ),
            {"at": to_text(first.at), "text": first.text, "m": media_id},
        )
