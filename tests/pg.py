"""PostgreSQL for tests: a fresh database per test, dropped afterwards.

Under CI=true an unreachable server fails the test; elsewhere it skips with the reason.
Override the server with CUSTODY_TEST_PG (an SQLAlchemy URL to any database on it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

SERVER_URL = os.environ.get("CUSTODY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _admin_engine() -> sa.Engine:
    """An autocommit engine on the server's maintenance database (CREATE DATABASE needs it)."""
    return sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def server_problem() -> str | None:
    """Why the test server cannot be used, or None when it can."""
    try:
        with _admin_engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "no server" here
        return f"PostgreSQL at {sa.make_url(SERVER_URL).render_as_string()} unreachable: {exc}"
    return None


def require_server() -> None:
    """Skip (or, under CI=true, fail) when the PostgreSQL test server is unreachable."""
    problem = server_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem)


@contextmanager
def fresh_database(prefix: str = "custody_test") -> Iterator[str]:
    """A new, empty database on the test server; yields its URL and drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
