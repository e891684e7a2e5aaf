"""The test databases: one PostgreSQL database and one Redis db per pytest-xdist worker, and a
cheap way to empty PostgreSQL between tests.

Parallel workers (``make test`` runs ``pytest -n auto``) must not share state: the PostgreSQL
tests empty every table before each test, and the rate-limit tests clear ``laurel:rate:*``.
Worker ``gwN`` therefore gets the database ``<name>_gwN`` (created on first use, next to the
one TEST_DATABASE_URL names) and the Redis db ``<db> + N`` of TEST_REDIS_URL. The URLs are
rewritten in the environment before any test module is imported, so everything that reads
them, processes started by the tests included, sees the worker's own.
"""

from __future__ import annotations

import os
from graphlib import CycleError, TopologicalSorter
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

REDIS_DATABASES = 16  # redis.conf's default `databases`


def worker_index(worker: str) -> int:
    """``gw3`` -> 3 (xdist names its workers gw0, gw1, ...)."""
    return int(worker.removeprefix("gw"))


def worker_database_url(url: str, worker: str) -> str:
    """The same server, the database ``<name>_<worker>``."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(False)


def worker_redis_url(url: str, worker: str) -> str:
    """The same server, the db number ``<db> + index``; fails when Redis has no such db."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = base + worker_index(worker)
    if db >= REDIS_DATABASES:
        raise RuntimeError(
            f"TEST_REDIS_URL {url}: worker {worker} would need Redis db {db}; choose a lower "
            f"db number or fewer workers (-n)"
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


def use_worker_databases(worker: str) -> None:
    """Point TEST_DATABASE_URL and TEST_REDIS_URL of this process at the worker's own."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        os.environ["TEST_SHARED_DATABASE_URL"] = url
        os.environ["TEST_DATABASE_URL"] = worker_database_url(url, worker)
    if url := os.environ.get("TEST_REDIS_URL"):
        os.environ["TEST_REDIS_URL"] = worker_redis_url(url, worker)


def ensure_database(url: str) -> None:
    """Create the worker's database unless it exists, connected to the one TEST_DATABASE_URL
    named (that one must exist, as in a serial run)."""
    shared = os.environ.get("TEST_SHARED_DATABASE_URL")
    if not shared or shared == url:
        return
    name = make_url(url).database
    admin = create_engine(
        make_url(shared).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                quoted = conn.dialect.identifier_preparer.quote(str(name))
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


class PostgresCleaner:
    """Empties every table (but alembic_version) and restarts their sequences: what
    ``TRUNCATE ... RESTART IDENTITY CASCADE`` does, at a fraction of the cost. TRUNCATE gives
    each of the ~40 tables new files and waits for them on disk, 0.25-0.45 s a test; deleting
    the few rows a test wrote, children before parents, takes milliseconds. The order comes
    from the foreign keys once per session; should they ever form a cycle, TRUNCATE it is."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "WHERE c.relnamespace = current_schema()::regnamespace "
                    "AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'"
                )
            ).scalars()
            graph: dict[str, set[str]] = {name: set() for name in tables}
            for child, parent in conn.execute(
                text(
                    "SELECT conrelid::regclass::text, confrelid::regclass::text "
                    "FROM pg_constraint WHERE contype = 'f' "
                    "AND connamespace = current_schema()::regnamespace"
                )
            ):
                if child in graph and parent in graph and child != parent:
                    graph[parent].add(child)  # a parent's rows go after its children's
        self.tables = sorted(graph)
        try:
            self.delete_order: list[str] | None = list(TopologicalSorter(graph).static_order())
        except CycleError:
            self.delete_order = None

    def clean(self) -> None:
        quote = self.engine.dialect.identifier_preparer.quote
        with self.engine.begin() as conn:
            if self.delete_order is None:
                names = ", ".join(quote(t) for t in self.tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            for table in self.delete_order:
                conn.execute(text(f"DELETE FROM {quote(table)}"))
            # the sequences owned by the tables' columns (serial and identity) start again
            conn.execute(
                text(
                    "SELECT setval(s.seqrelid::regclass, s.seqstart, false) "
                    "FROM pg_sequence s "
                    "JOIN pg_depend d ON d.objid = s.seqrelid "
                    "AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                    "JOIN pg_class t ON t.oid = d.refobjid "
                    "WHERE t.relnamespace = current_schema()::regnamespace "
                    "AND t.relname <> 'alembic_version'"
                )
            )
