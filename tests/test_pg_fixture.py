"""The PostgreSQL fixture: skips with a reason where the server is missing, fails under CI."""

from __future__ import annotations

import pytest

from tests import pg


def test_unreachable_server_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg, "SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL at .*:1/test unreachable"):
        pg.require_server()


def test_unreachable_server_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg, "SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI=true and PostgreSQL at .*unreachable"):
        pg.require_server()


def test_fresh_database_is_dropped_afterwards(pg_url: str) -> None:
    import sqlalchemy as sa

    with pg.fresh_database("custody_probe") as url:
        name = sa.make_url(url).database
        with sa.create_engine(url, poolclass=sa.pool.NullPool).connect() as conn:
            assert conn.exec_driver_sql("SELECT current_database()").scalar() == name
    with sa.create_engine(pg_url, poolclass=sa.pool.NullPool).connect() as conn:
        left = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_database WHERE datname = %(n)s", {"n": name}
        ).scalar()
    assert left == 0
