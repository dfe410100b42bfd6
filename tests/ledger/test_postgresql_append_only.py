"""The database itself keeps events append-only; a station role can only scan and read."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.api import Ledger
from ledger.errors import PermissionDenied
from ledger.rules import Registration
from tests.cli_helpers import NHS, custody, ok

DOCS = Path(__file__).resolve().parents[2] / "README.md"


def _ledger(target: str) -> tuple[Ledger, str]:
    ledger = Ledger.create(target, "RGT", "Cambridge")
    ledger.add_org("RXH", "Brighton")
    state = ledger.register(Registration(nhs_number=NHS[0], destination="RXH"), operator="admin")
    ledger.scan("dispatch", state.media_id, operator="post.room")
    return ledger, state.media_id


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET operator = 'someone else'", "DELETE FROM events"]
)
def test_sqlite_refuses_changing_events(tmp_path: Path, statement: str) -> None:
    ledger, _ = _ledger(str(tmp_path / "ledger.db"))
    with (
        pytest.raises(sa.exc.IntegrityError, match="events are append-only"),
        ledger.engine.begin() as conn,
    ):
        conn.exec_driver_sql(statement)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET operator = 'someone else'", "DELETE FROM events", "TRUNCATE events"],
)
def test_postgresql_refuses_changing_events_even_for_the_owner(pg_url: str, statement: str) -> None:
    ledger, _ = _ledger(pg_url)
    with (
        pytest.raises(sa.exc.DBAPIError, match="events are append-only"),
        ledger.engine.begin() as conn,
    ):
        conn.exec_driver_sql(statement)
    assert ledger.verify_chain().events == 2


def _station_role_sql(group: str, login: str, database: str) -> list[str]:
    """The station-role block of the README, with these names."""
    block = re.search(r"```sql\n-- station-role\n(.*?)```", DOCS.read_text(), re.S)
    assert block is not None, "README.md lost its station-role SQL"
    sql = (
        block.group(1)
        .replace("custody_station", group)
        .replace("station_postroom1", login)
        .replace("DATABASE custody", f'DATABASE "{database}"')
    )
    return [s.strip() for s in sql.split(";") if s.strip()]


def test_station_role_from_the_readme_scans_and_reads_only(pg_url: str) -> None:
    ledger, media_id = _ledger(pg_url)
    url = sa.make_url(pg_url)
    suffix = uuid.uuid4().hex[:8]
    group, login = f"custody_station_{suffix}", f"station_{suffix}"
    owner = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    station_url = url.set(username=login, password="change me").render_as_string(
        hide_password=False
    )
    try:
        with owner.connect() as conn:
            for statement in _station_role_sql(group, login, url.database or ""):
                conn.exec_driver_sql(statement)

        assert ok(station_url, "scan", "receive", media_id, "--site", "RXH") == (
            f"OK {media_id} received\n"
        )
        assert ok(station_url, "verify").startswith("verified 3 events\n")
        assert "received" in ok(station_url, "show", media_id)
        refused = custody(station_url, "register", "--to", "RXH", "--nhs", NHS[1])
        assert refused.exit_code == 1
        assert refused.stderr.startswith("error: the database refused: permission denied")
        station = Ledger.open(station_url)
        with pytest.raises(PermissionDenied):
            station.add_org("RXQ", "Buckinghamshire")
        for statement in (
            "UPDATE events SET operator = 'x'",
            "DELETE FROM events",
            "TRUNCATE events",
        ):
            with (
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
                station.engine.begin() as conn,
            ):
                conn.exec_driver_sql(statement)
        station.engine.dispose()
        assert ledger.verify_chain().events == 3
    finally:
        with owner.connect() as conn:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{login}'"
            )
            conn.exec_driver_sql(f'DROP OWNED BY "{group}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{group}"')
        owner.dispose()
