"""The suite's own database plumbing (tests/databases.py): each xdist worker gets its own
PostgreSQL database and Redis db, and the cleaner between tests leaves PostgreSQL as new."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.databases import PostgresCleaner, worker_database_url, worker_redis_url
from tests.factories import Factory


def test_each_worker_has_its_own_database_and_redis_db() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert worker_database_url(url, "gw0") == "postgresql://postgres@127.0.0.1:5432/test_gw0"
    assert worker_database_url(url, "gw1") == "postgresql://postgres@127.0.0.1:5432/test_gw1"
    assert worker_redis_url("redis://127.0.0.1:6379/4", "gw0") == "redis://127.0.0.1:6379/4"
    assert worker_redis_url("redis://127.0.0.1:6379/4", "gw3") == "redis://127.0.0.1:6379/7"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"
    with pytest.raises(RuntimeError, match="db 16"):
        worker_redis_url("redis://127.0.0.1:6379/14", "gw2")


def _counts(engine: Engine, tables: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)  # SQLite: a new file a test
def test_cleaning_empties_every_table_and_restarts_ids(
    engine: Engine, factory: Factory, request: pytest.FixtureRequest
) -> None:
    cleaner: PostgresCleaner = request.getfixturevalue("postgres_cleaner")
    assert cleaner.delete_order is not None  # the foreign keys form no cycle
    factory.issue(factory.caller("acme"))  # organization, key, client, credential, status list
    before = _counts(engine, cleaner.tables)
    assert before["organizations"] and before["credentials"] and before["status_entries"]
    cleaner.clean()
    assert set(_counts(engine, cleaner.tables).values()) == {0}
    assert factory.org("globex").id == 1
