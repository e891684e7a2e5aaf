"""Planner statistics refreshed while tables grow (app/db_statistics.py), on a real PostgreSQL.

A table the planner believes empty, grown by thousands of rows, is analyzed by
``refresh_if_stale``: afterwards ``pg_class.reltuples`` knows its size, and a lookup of many
keys uses the unique index instead of reading every row of the organization. Not again within
the interval; not while another process holds the lock; never on SQLite.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.container import Services
from app.db import make_engine
from app.db_statistics import _ADVISORY_KEY, PlannerStatistics
from tests.factories import Factory

ROWS = 20_000


@pytest.fixture
def grown(postgres_engine: Engine) -> Iterator[Engine]:
    """A table like ``learners`` (an org index and a unique (org, key) index), created empty
    and grown by ROWS rows, its change counters reported to the statistics system."""
    with postgres_engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS planner_probe"))
        conn.execute(
            text(
                "CREATE TABLE planner_probe (id serial PRIMARY KEY, org_id int NOT NULL, "
                "key varchar NOT NULL, CONSTRAINT uq_planner_probe UNIQUE (org_id, key))"
            )
        )
        conn.execute(text("CREATE INDEX ix_planner_probe_org ON planner_probe (org_id)"))
        conn.execute(text("ANALYZE planner_probe"))  # the planner's view: empty
        conn.execute(
            text(
                "INSERT INTO planner_probe (org_id, key) "
                "SELECT 1, 'k' || n FROM generate_series(1, :n) n"
            ),
            {"n": ROWS},
        )
    _wait_until_reported(postgres_engine)
    yield postgres_engine
    with postgres_engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS planner_probe"))


def _wait_until_reported(engine: Engine, table: str = "planner_probe") -> None:
    _wait_until_changed(engine, table, ROWS)


def _believed_rows(engine: Engine, table: str = "planner_probe") -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
            ).scalar_one()
        )


def _plan_of_many_keys(engine: Engine) -> str:
    keys = ", ".join(f"'k{n}'" for n in range(1, 51))
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"EXPLAIN SELECT id FROM planner_probe WHERE org_id = 1 AND key IN ({keys})")
        ).scalars()
        return "\n".join(rows)


def test_a_grown_table_is_analyzed_and_its_lookups_use_the_unique_index(grown: Engine) -> None:
    assert _believed_rows(grown) == 0
    assert "uq_planner_probe" not in _plan_of_many_keys(grown)  # the stale plan: scan the org

    analyzed = PlannerStatistics(grown, every_seconds=0).refresh_if_stale()

    assert "planner_probe" in analyzed
    assert _believed_rows(grown) == ROWS
    assert "uq_planner_probe" in _plan_of_many_keys(grown)


def test_not_before_the_interval(grown: Engine) -> None:
    statistics = PlannerStatistics(grown, every_seconds=3600)  # a process that just started

    assert statistics.refresh_if_stale() == []
    assert _believed_rows(grown) == 0


def test_skipped_while_another_process_analyzes(grown: Engine) -> None:
    with grown.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}).scalar()
        try:
            assert PlannerStatistics(grown, every_seconds=0).refresh_if_stale() == []
        finally:
            other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
    assert _believed_rows(grown) == 0


def test_a_small_change_is_left_to_autovacuum(grown: Engine) -> None:
    PlannerStatistics(grown, every_seconds=0).refresh_if_stale()
    with grown.begin() as conn:
        conn.execute(text("DELETE FROM planner_probe WHERE id <= 100"))

    assert "planner_probe" not in PlannerStatistics(grown, every_seconds=0).refresh_if_stale()


#: A role that owns nothing (cluster-wide: created once, kept).
NOT_OWNER = "laurel_test_not_owner"


@pytest.fixture
def not_owner(grown: Engine) -> Iterator[Engine]:
    """An engine of the same database whose sessions act as a role that owns no table."""
    try:
        with grown.begin() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": NOT_OWNER}
            ).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {NOT_OWNER} NOLOGIN"))
    except DBAPIError as exc:  # no CREATEROLE, or a parallel worker created it meanwhile
        with grown.connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": NOT_OWNER}
            ).scalar():
                pytest.skip(f"cannot create a role: {exc.orig}")
    with grown.begin() as conn:  # the test schema is created anew, without PUBLIC's grants
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {NOT_OWNER}'))
    engine = make_engine(grown.url.render_as_string(hide_password=False))

    @event.listens_for(engine, "connect")
    def _act_as(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f"SET ROLE {NOT_OWNER}")
        cursor.close()
        dbapi_conn.commit()

    yield engine
    engine.dispose()


def test_tables_it_may_not_analyze_are_named_once_in_a_warning(
    grown: Engine, not_owner: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    statistics = PlannerStatistics(not_owner, every_seconds=0)
    with caplog.at_level(logging.WARNING, logger="laurel.db"):
        statistics.refresh_if_stale()
        statistics.refresh_if_stale()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot ANALYZE" in warnings[0]


def test_nothing_outlives_the_analysis_on_the_connection(grown: Engine) -> None:
    """Behind a pooler in transaction mode the next client may get the same server
    connection: no lock timeout and no advisory lock may stay on it."""
    engine = make_engine(grown.url.render_as_string(hide_password=False), echo=False)
    try:
        assert "planner_probe" in PlannerStatistics(engine, every_seconds=0).refresh_if_stale()
        with engine.connect() as conn:  # the pool's one connection, the one it used
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "0"
            held = conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            ).scalar()
        assert held == 0
    finally:
        engine.dispose()


def test_tables_it_may_not_analyze_are_not_reported_analyzed(
    grown: Engine, not_owner: Engine
) -> None:
    """ANALYZE of a table the role does not own only warns and skips it: it is not claimed
    refreshed (nor asked for again and again)."""
    assert PlannerStatistics(not_owner, every_seconds=0).refresh_if_stale() == []
    assert _believed_rows(grown) == 0


def test_a_table_named_with_a_colon_is_analyzed(grown: Engine) -> None:
    """Names are quoted, and a colon in one is no bind parameter."""
    with grown.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE ":probe" (id int)')
        conn.exec_driver_sql(f'INSERT INTO ":probe" SELECT generate_series(1, {ROWS})')
    try:
        _wait_until_reported(grown, ":probe")
        analyzed = PlannerStatistics(grown, every_seconds=0).refresh_if_stale()
        assert ":probe" in analyzed and "planner_probe" in analyzed
        assert _believed_rows(grown, ":probe") == ROWS
    finally:
        with grown.begin() as conn:
            conn.exec_driver_sql('DROP TABLE IF EXISTS ":probe"')


def test_sqlite_has_nothing_to_refresh(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert PlannerStatistics(engine, every_seconds=0).refresh_if_stale() == []


def test_a_table_locked_by_maintenance_is_left_for_the_next_look(grown: Engine) -> None:
    """A VACUUM FULL, an index build or a migration holds the table: ANALYZE would wait for
    it, and the consumer with it. It gives up after the lock timeout instead."""
    with grown.connect() as other, other.begin():
        other.execute(text("LOCK TABLE planner_probe IN SHARE UPDATE EXCLUSIVE MODE"))
        started = time.monotonic()
        analyzed = PlannerStatistics(grown, every_seconds=0).refresh_if_stale()
        waited = time.monotonic() - started
    assert "planner_probe" not in analyzed
    assert waited < 10  # the lock timeout (1 s) per busy table, not the maintenance's length
    assert _believed_rows(grown) == 0
    assert "planner_probe" in PlannerStatistics(grown, every_seconds=0).refresh_if_stale()


def test_requests_keep_the_statistics_fresh_while_batches_grow_the_tables(
    factory: Factory, services: Services, app_client: TestClient
) -> None:
    """``grades:batch`` and ``issue:batch`` grow the tables as fast as a wave: after a
    request commits, the server looks too (app/deps.py ``get_session``)."""
    if services.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL plans from statistics")
    services.statistics = PlannerStatistics(services.engine, every_seconds=3600)
    caller = factory.caller()
    run_key = "course-v1:Stats+Grow+2026_T1"
    created = app_client.post(
        "/api/v1/courses",
        headers=caller.headers,
        json={"key": run_key, "title": "Grow", "passing_grade": 0.6},
    )
    assert created.status_code in (200, 201), created.text
    for batch in range(3):
        events = [
            {
                "event_id": f"grow-{batch}-{n}",
                "learner": {"id": f"g{batch}-{n}", "name": f"L {n}"},
                "course_run": run_key,
                "percent_grade": 0.3,
                "mode": "verified",
                "timestamp": "2026-03-01T12:00:00Z",
            }
            for n in range(500)
        ]
        answer = app_client.post(
            "/api/v1/grades:batch", headers=caller.headers, json={"events": events}
        )
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {200}, answer.text[:500]
    _wait_until_changed(services.engine, "learners", 1500)
    services.statistics = PlannerStatistics(services.engine, every_seconds=0)  # due now

    assert app_client.get("/api/v1/courses", headers=caller.headers).status_code == 200
    services.statistics.wait(timeout=30)  # the look runs after the answer, in a thread

    with services.engine.connect() as conn:
        believed = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'learners'")
        ).scalar_one()
    assert believed >= 1500


def _wait_until_changed(engine: Engine, table: str, rows: int) -> None:
    """Backends report their counters to the statistics system within about a second."""
    deadline = time.monotonic() + 15
    changed = None
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            changed = conn.execute(
                text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :t"),
                {"t": table},
            ).scalar()
        if changed and changed >= rows:
            return
        time.sleep(0.2)
    raise AssertionError(f"the changes to {table} were never reported ({changed})")


def test_a_request_does_not_wait_for_the_analysis(
    grown: Engine, factory: Factory, services: Services, app_client: TestClient
) -> None:
    """The look runs after the request commits, but the client must not wait for it: with
    scope="function" the code after ``get_session``'s yield runs before the response is
    sent, so the request that found the look due paid for every ANALYZE (a lock timeout per
    busy table, a pool wait when the pool is saturated)."""
    if services.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL plans from statistics")
    caller = factory.caller()
    services.statistics = PlannerStatistics(services.engine, every_seconds=0)  # due now
    with grown.connect() as other, other.begin():
        other.execute(text("LOCK TABLE planner_probe IN SHARE UPDATE EXCLUSIVE MODE"))
        started = time.monotonic()
        answer = app_client.get("/api/v1/courses", headers=caller.headers)
        took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert took < 0.8, f"the request waited {took:.1f} s for the planner statistics"
    services.statistics.wait(timeout=10)
