"""Planner statistics kept fresh while tables grow fast (PostgreSQL).

PostgreSQL plans a query from the statistics ANALYZE gathers; autovacuum refreshes them about
once a minute at best, and never where it is turned off. A course-end wave grows the learner,
user, certificate and credential tables from nothing to 100,000 rows in two minutes. With
statistics that still say "nearly empty", the planner finds a batch's 500 learners by reading
every row of the organization (a bitmap scan on ``org_id``, the 500 keys as a filter) instead
of 500 index lookups, so each batch is slower than the one before: measured on a
100,000-event wave with autovacuum off, 900 events/s fell to 200; one ANALYZE brought it back
at once.

``PlannerStatistics.refresh_if_stale`` analyzes the tables whose rows changed by more than
their size at the last analysis (autovacuum's own test, with a higher bar), looked at no more
often than ``every_seconds`` and by one process at a time (an advisory lock). On a wave that
is a handful of ANALYZEs per table (sizes double between them), each of a fixed-size sample.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db import WouldWait, transaction_apart

log = logging.getLogger("laurel.db")

#: pg_try_advisory_lock key: "laurel analyze" (any constant shared by every process).
_ADVISORY_KEY = 0x6C61_7572_656C_0A01

#: How long an ANALYZE may wait for its table's lock.
_LOCK_TIMEOUT = "1s"

#: Only tables we may analyze: ANALYZE skips, with a mere WARNING, those whose owner (or the
#: database's owner) the role is not, and they would stay stale, asked for every time.
_STALE_TABLES = text(
    """
    SELECT s.schemaname, s.relname
    FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
      JOIN pg_database AS d ON d.datname = current_database()
    WHERE s.schemaname = current_schema()
      AND s.n_mod_since_analyze > :floor + greatest(c.reltuples, 0)
      AND (pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE'))
    ORDER BY s.relname
    """
)

#: The tables of the schema this role may not analyze (said once: they are autovacuum's).
_NOT_OURS = text(
    """
    SELECT c.relname
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
      JOIN pg_database AS d ON d.datname = current_database()
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      AND NOT (pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE'))
    ORDER BY c.relname
    """
)


class PlannerStatistics:
    """Analyze, now and then, the tables that grew past what the planner believes."""

    def __init__(self, engine: Engine, *, every_seconds: float = 5.0, floor: int = 1000) -> None:
        self.engine = engine
        self.every_seconds = every_seconds
        #: Rows changed below this never call for an analysis (small tables plan well).
        self.floor = floor
        self._next = time.monotonic() + every_seconds  # a process just started waits too
        self._lock = threading.Lock()
        self._starting = threading.Lock()  # one background look at a time (refresh_soon)
        self._running: threading.Thread | None = None
        self._told = False  # tables we may not analyze: said once
        self.enabled = engine.dialect.name == "postgresql"

    def due(self) -> bool:
        """Whether ``refresh_if_stale`` would look now (a clock check, no I/O)."""
        return self.enabled and time.monotonic() >= self._next

    def refresh_soon(self) -> bool:
        """When a look is due, start ``refresh_if_stale`` in a thread of its own and return at
        once (whether one was started). For a request that just committed: the look's
        ANALYZEs (a lock timeout per busy table, a wait for a pooled connection when the pool
        is saturated) must not delay the response, nor hold a thread of the request pool."""
        if not self.due():
            return False
        with self._starting:
            if self._running is not None and self._running.is_alive():
                return False  # a look is under way: it is the one that was due
            self._running = threading.Thread(
                target=self._look, name="laurel-planner-statistics", daemon=True
            )
            self._running.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Until the look ``refresh_soon`` started (if any) is over (tests, shutdown)."""
        running = self._running
        if running is not None:
            running.join(timeout)

    def _look(self) -> None:
        try:
            self.refresh_if_stale()
        except Exception:  # a thread's error would only reach stderr: log it like the rest
            log.exception("planner statistics not refreshed")

    def refresh_if_stale(self) -> list[str]:
        """ANALYZE the tables that changed by more than their analyzed size plus ``floor``;
        the names of those analyzed. At most once per ``every_seconds`` in this process, and
        skipped while another process does it. Never raises: planning is only slower."""
        if not self.due() or not self._lock.acquire(blocking=False):
            return []
        try:
            now = time.monotonic()
            if now < self._next:  # another thread looked between our check and the lock
                return []
            self._next = now + self.every_seconds
            return self._refresh()
        except SQLAlchemyError as exc:  # e.g. the database went away, or no pooled connection
            log.warning("planner statistics not refreshed: %s", exc)
            return []
        finally:
            self._lock.release()

    def _refresh(self) -> list[str]:
        with self.engine.connect() as conn:
            if not self._told:
                self._told = True
                self._tell_not_ours(conn)
            stale = conn.execute(_STALE_TABLES, {"floor": self.floor}).all()
        names: list[str] = []
        for schema, table in stale:
            analyzed = self._analyze(schema, table)
            if analyzed is None:
                break  # another process is analyzing: it sees the same tables
            if analyzed:
                names.append(table)
        if names:
            log.info("planner statistics refreshed: %s", ", ".join(names))
        return names

    def _analyze(self, schema: str, table: str) -> bool | None:
        """ANALYZE one table in a transaction of its own (``transaction_apart``), with a
        transaction-scoped advisory lock and lock timeout: nothing outlives the transaction,
        so behind a pooler in transaction mode (PgBouncer) no setting or lock stays on a
        server connection that another client gets next. None: another process holds the
        lock; False: the table stayed busy past the lock timeout (a VACUUM FULL, an index
        build, a migration), left for the next look rather than stalling the consumer."""
        preparer = self.engine.dialect.identifier_preparer
        name = f"{preparer.quote_schema(schema)}.{preparer.quote(table)}"
        try:
            with transaction_apart(self.engine, _LOCK_TIMEOUT) as conn:
                locked = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY}
                ).scalar()
                if not locked:
                    return None
                conn.execute(text("ANALYZE " + name.replace(":", r"\:")))  # no bind params
            return True
        except WouldWait as exc:
            log.info("planner statistics of %s not refreshed: %s", table, exc)
            return False

    def _tell_not_ours(self, conn: Connection) -> None:
        not_ours = list(conn.execute(_NOT_OURS).scalars())
        if not_ours:
            shown = ", ".join(not_ours[:8]) + (", ..." if len(not_ours) > 8 else "")
            log.warning(
                "planner statistics: this database role does not own %d tables (%s) and "
                "cannot ANALYZE them; they are left to autovacuum (run the consumers with "
                "the role that ran `laurel migrate` to keep them fresh during a wave)",
                len(not_ours),
                shown,
            )
