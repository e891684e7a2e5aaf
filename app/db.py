"""Engine, sessions and savepoints.

The boundary owns the transaction: the request (``app.deps.get_session``), the CLI command or
the worker task commits on success and rolls back on error (``session_scope``). Services and
repositories never commit or roll back; a unit that may be retried, or a write that may lose a
race on a unique constraint, runs in a savepoint (``retrying``, ``unique_or``) so that undoing
it never undoes the caller's work.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Delete, Update, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, SQLModel, create_engine

T = TypeVar("T")


def utcnow() -> datetime:
    """Timezone-aware now, truncated to the second (what credentials carry)."""
    return datetime.now(UTC).replace(microsecond=0)


class WouldWait(Exception):
    """A transaction apart met a row lock held longer than it may wait (``lock_timeout``)."""


#: PostgreSQL's SQLSTATE for ``lock_timeout`` (and NOWAIT).
_LOCK_NOT_AVAILABLE = "55P03"


@contextmanager
def transaction_apart(engine: Engine, lock_timeout: str) -> Iterator[Connection]:
    """A transaction of its own on another connection of ``engine`` (PostgreSQL), committed
    when the block ends: what it writes is visible to every other transaction at once, and
    its row locks last the block, not the caller's transaction. ``lock_timeout`` bounds any
    wait, raised as ``WouldWait``: a lock the caller's own transaction holds, or a cycle
    through the caller's connection, is invisible to PostgreSQL's deadlock detector."""
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": lock_timeout})
            yield conn
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise WouldWait(str(exc.orig)) from exc
        raise


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
        def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(
                    "PRAGMA synchronous=NORMAL"
                )  # WAL: durable at checkpoints, never corrupt
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _sqlite_savepoint(conn: Connection, _name: str) -> None:
            # pysqlite begins a transaction only before DML: a SAVEPOINT opened first would
            # start one itself, and its RELEASE would commit the caller's transaction. The
            # unit writes: take the write lock now (waiting for it), not after its reads.
            raw = conn.connection.dbapi_connection
            if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

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


#: How many times a unit that lost a race is run in all.
RETRY_ATTEMPTS = 5


def retrying(session: Session, unit: Callable[[], T], attempts: int = RETRY_ATTEMPTS) -> T:
    """Run ``unit`` in a savepoint; on a ``RetryableConflict`` undo it and run it again.

    Any error undoes the unit's writes (only the savepoint, never the caller's earlier work);
    the boundary commits.
    """
    for attempt in range(attempts):
        try:
            with session.begin_nested():
                return unit()
        except RetryableConflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@contextmanager
def unique_or(session: Session, error: Exception) -> Iterator[None]:
    """Writes a concurrent request may have made first: the unique constraint's refusal
    becomes ``error``, and only these writes (a savepoint) are undone."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError:
        raise error from None


def rowcount(session: Session, stmt: Update | Delete) -> int:
    """Run a bulk UPDATE/DELETE and say how many rows it matched (conditional writes: 1 = won)."""
    return session.exec(stmt.execution_options(synchronize_session=False)).rowcount


M = TypeVar("M", bound=SQLModel)


def as_loaded(model: type[M], values: dict[str, Any]) -> M:
    """An instance of a table model built the way the ORM builds a row it loads: no
    ``__init__`` (which sets each field through SQLAlchemy's instrumentation and SQLModel's
    checks: some 150 µs for a dozen columns, more than the INSERT that stores it). Fields
    not in ``values`` take their defaults. Table models are not validated either way, so
    ``values`` must be the column values as stored: for rows read back or made by our code.
    """
    instance = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    fields = model.model_fields
    state = {
        name: values[name] if name in values else info.get_default(call_default_factory=True)
        for name, info in fields.items()
    }
    instance.__dict__.update(state)
    return instance
