"""Engine and sessions. Writes commit at the use-case boundary (a service call), never midway."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

T = TypeVar("T")


def utcnow() -> datetime:
    """Timezone-aware now, truncated to the second (what credentials carry)."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes: they are UTC by construction."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _create_private_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, e.g. 0644).

    It holds learner data. SQLite gives its -wal and -shm files the database file's mode.
    An existing file keeps its mode: the operator may have chosen it.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a missing directory and the like: SQLite reports it on connect


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        _create_private_file(url)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(
                    "PRAGMA synchronous=NORMAL"
                )  # WAL: durable at checkpoints, never corrupt
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for scripts and background work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class RetryableConflict(RuntimeError):
    """A concurrent writer won a race (e.g. the same random index): redo the whole unit."""


def retrying(session: Session, unit: Callable[[], T], attempts: int = 5) -> T:
    """Run ``unit`` and commit; on a ``RetryableConflict`` roll back and run it again."""
    for attempt in range(attempts):
        try:
            result = unit()
            session.commit()
            return result
        except RetryableConflict:
            session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
