"""The tables. `events` is the ledger; `media` is a projection rebuilt from it.

Times are stored as fixed-width UTC text (see ledger.clock) so that they sort,
compare and hash the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

# The alembic revision that these tables are; a test checks it is the migrations' head.
SCHEMA_REVISION = "0009"
# The rows of the partial index on media: discs handed to the patient, not yet acknowledged.
HANDOVER_UNACKNOWLEDGED = "exception = 'patient-handover' AND acknowledged_at IS NULL"


class Setting(SQLModel, table=True):
    """Ledger-wide settings: the home organisation, the schema version."""

    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: str


class Organisation(SQLModel, table=True):
    """An NHS organisation by ODS code: home, destinations, senders."""

    __tablename__ = "organisations"
    code: str = Field(primary_key=True, max_length=5)
    name: str
    address: str | None = None
    home: bool = False
    # The partner's custody mailbox: reminders of its overdue receipts go here (migration 0007).
    email: str | None = None
    # The partner's Ed25519 public key (`ed25519:` + base64): its manifests must be signed.
    public_key: str | None = None


class EventRow(SQLModel, table=True):
    """One event, append-only; `seq` orders the hash chain."""

    __tablename__ = "events"
    # Reports read a few actions (transfers, IR1 filings, corrections) without a full scan.
    __table_args__ = (Index("ix_events_action_at", "action", "at"),)
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=36)
    media_id: str = Field(index=True, max_length=16)
    action: str = Field(max_length=20)
    at: str = Field(index=True, max_length=27)
    recorded_at: str = Field(max_length=27)
    site: str = Field(max_length=5)
    operator: str
    detail: str
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class MediaRow(SQLModel, table=True):
    """A medium's current state, derived from its events by ledger.transitions.fold."""

    __tablename__ = "media"
    # The unreconciled report's handover discs with no acknowledgement, found without a full
    # scan (migration 0009); partial, so it holds only those few rows.
    __table_args__ = (
        Index(
            "ix_media_handover_unacknowledged",
            "exception",
            "acknowledged_at",
            sqlite_where=text(HANDOVER_UNACKNOWLEDGED),
            postgresql_where=text(HANDOVER_UNACKNOWLEDGED),
        ),
    )
    media_id: str = Field(primary_key=True, max_length=16)
    registered: bool = True
    issuer: str = Field(max_length=5)
    destination: str = Field(index=True, max_length=5)
    kind: str = "cd"
    urgent: bool = False
    encrypted: bool = True
    exception: str | None = None
    # Indexed for the web app's search (migration 0006).
    nhs_number: str | None = Field(default=None, index=True)
    accession: str | None = Field(default=None, index=True)
    study_uid: str | None = None
    status: str = Field(index=True)
    status_at: str | None = None
    registered_at: str | None = None
    dispatched_at: str | None = None
    received_at: str | None = None
    received_site: str | None = None
    to_pacs_at: str | None = None
    imported_at: str | None = None
    import_failed_at: str | None = None
    import_partial_at: str | None = None
    import_check: str | None = None
    returned_at: str | None = None
    destroyed_at: str | None = None
    lost_at: str | None = None
    password_sent_at: str | None = None
    password_via: str | None = None
    labelled: int = 0
    misdelivered: bool = False
    anomalies: int = 0
    # Announced by a partner's manifest (migration 0002).
    expected: bool = False
    # Received here with no registration or manifest behind it (migration 0002).
    unexpected: bool = False
    # The fold's first anomaly, for reports (migration 0004).
    first_anomaly_at: str | None = None
    first_anomaly: str | None = None
    # The current dispatch's parcel tracking reference (migration 0005).
    tracking: str | None = None
    # When the recipient of an unencrypted disc signed the handover form (migration 0005).
    acknowledged_at: str | None = None


class SerialCounter(SQLModel, table=True):
    """The last serial issued for each issuing organisation."""

    __tablename__ = "serials"
    issuer: str = Field(primary_key=True, max_length=5)
    last: int = 0


class ChainHead(SQLModel, table=True):
    """The end of the hash chain; locked by every writer so the chain never forks."""

    __tablename__ = "chain_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    count: int = 0
    hash: str = Field(max_length=64)


class AccountRow(SQLModel, table=True):
    """A person who signs in to the web app; their name is the operator of what they record.

    Accounts are not events: they are changed in place (password, roles, lock-out counters).
    """

    __tablename__ = "accounts"
    name: str = Field(primary_key=True, max_length=40)
    email: str | None = None
    roles: str  # comma-separated, from ledger.accounts.ROLES
    password_hash: str
    disabled: bool = False
    created_at: str = Field(max_length=27)
    failures: int = 0
    last_failure_at: str | None = Field(default=None, max_length=27)
    locked_until: str | None = Field(default=None, max_length=27)
    # Bumped by sign-out, a new password or disabling: every older session cookie stops working.
    session_epoch: int = 0
    # SHA-256 of the badge secret (a random code, so no salt or slow hash is needed).
    badge_hash: str | None = Field(default=None, unique=True, max_length=64)
    badge_issued_at: str | None = Field(default=None, max_length=27)


class SignInRow(SQLModel, table=True):
    """A sign-in, sign-out or failed sign-in: when, who (as typed), from where."""

    __tablename__ = "sign_ins"
    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(index=True, max_length=27)
    name: str
    address: str | None = None
    outcome: str = Field(max_length=20)
    detail: str | None = None


class ReminderRow(SQLModel, table=True):
    """One item of a reminder e-mail sent to one recipient on one day (`custody remind`).

    What was sent is kept so that running the reminders twice on a day sends nothing new.
    """

    __tablename__ = "reminders_sent"
    day: str = Field(primary_key=True, max_length=10)
    recipient: str = Field(primary_key=True)
    item: str = Field(primary_key=True)
    sent_at: str = Field(max_length=27)


class Checkpoint(SQLModel, table=True):
    """The chain head as it stood, signed with the ledger's key (kept outside the database)."""

    __tablename__ = "checkpoints"
    id: int | None = Field(default=None, primary_key=True)
    events: int
    digest: str = Field(max_length=64)
    signed_at: str = Field(max_length=27)
    public_key: str
    signature: str


APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
]

APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION custody_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION custody_events_append_only()",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION custody_events_append_only()",
]
