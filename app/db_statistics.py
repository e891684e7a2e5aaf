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
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

log = logging.getLogger("laurel.db")

#: pg_try_advisory_lock key: "laurel analyze" (any constant shared by every process).
_ADVISORY_KEY = 0x6C61_7572_656C_0A01

#: Only tables we may analyze: ANALYZE skips, with a mere WARNING, those whose owner (or the
#: database's owner) the role is not, and they would stay stale, asked for every time.
#: How long an ANALYZE may wait for its table's lock.
_LOCK_TIMEOUT = "1s"

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


class PlannerStatistics:
    """Analyze, now and then, the tables that grew past what the planner believes."""

    def __init__(self, engine: Engine, *, every_seconds: float = 5.0, floor: int = 1000) -> None:
        self.engine = engine
        self.every_seconds = every_seconds
        #: Rows changed below this never call for an analysis (small tables plan well).
        self.floor = floor
        self._next = time.monotonic() + every_seconds  # a process just started waits too
        self._lock = threading.Lock()
        self.enabled = engine.dialect.name == "postgresql"

    def refresh_if_stale(self) -> list[str]:
        """ANALYZE the tables that changed by more than their analyzed size plus ``floor``;
        the names of those analyzed. At most once per ``every_seconds`` in this process, and
        skipped while another process does it. Never raises: planning is only slower."""
        now = time.monotonic()
        if not self.enabled or now < self._next or not self._lock.acquire(blocking=False):
            return []
        try:
            self._next = now + self.every_seconds
            return self._refresh()
        except SQLAlchemyError as exc:  # e.g. the database went away, or no pooled connection
            log.warning("planner statistics not refreshed: %s", exc)
            return []
        finally:
            self._lock.release()

    def _refresh(self) -> list[str]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            stale = conn.execute(_STALE_TABLES, {"floor": self.floor}).all()
            if not stale:
                return []
            if not conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}
            ).scalar():
                return []  # another process is analyzing: it will see the same tables
            # ANALYZE waits for a VACUUM, an index build or a migration on its table: the
            # consumer loop must not, so a table busy that long is left for the next look.
            conn.execute(text(f"SET lock_timeout = '{_LOCK_TIMEOUT}'"))
            try:
                preparer = self.engine.dialect.identifier_preparer
                names = []
                for schema, table in stale:
                    name = f"{preparer.quote_schema(schema)}.{preparer.quote(table)}"
                    try:
                        conn.execute(text("ANALYZE " + name.replace(":", r"\:")))  # no binds
                    except OperationalError as exc:  # lock_timeout: busy, try next time
                        log.info("planner statistics of %s not refreshed: %s", table, exc.orig)
                        continue
                    names.append(table)
                if names:
                    log.info("planner statistics refreshed: %s", ", ".join(names))
                return names
            finally:
                conn.execute(text("RESET lock_timeout"))
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
