"""A pooled PostgreSQL connection the server ended is replaced at checkout (app/db.py
``_refuse_closed_connection``): the next unit of work runs, no error reaches it."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.db import make_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_ended_is_replaced_before_use(postgres_engine: Engine) -> None:
    engine = make_engine(postgres_engine.url.render_as_string(hide_password=False))
    try:
        first = _backend_pid(engine)  # back in the pool, idle
        with postgres_engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the server has closed it once it is gone
            with postgres_engine.connect() as admin:
                alive = admin.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": first}
                ).scalar()
            if not alive:
                break
            time.sleep(0.05)

        second = _backend_pid(engine)  # no OperationalError: a fresh connection

        assert second != first
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()
