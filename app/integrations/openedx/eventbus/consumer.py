"""The consumer loop: Redis Streams consumer groups in, units of work out.

Any number of consumers, in processes on any hosts, share one stream through one consumer
group: Redis hands each new entry to one of them (``XREADGROUP ... >``). An entry stays in
the consumer's pending list until ``XACK``, which is sent only after the batch's transaction
has committed; an entry left pending by a consumer that died is taken over with
``XAUTOCLAIM`` once it has been idle long enough. So delivery is at-least-once, and the event
id (``bus_events``, unique) makes it exactly-once in effect. The database alone decides:
nothing in this process is needed for correctness.

A batch (about 100 entries) is one transaction, or ``commit_every`` entries are (see
``ConsumerPolicy``); ``apply`` undoes one bad entry alone (a savepoint), and it goes to the
dead-letter stream. A transient database error (deadlock, lost connection)
undoes the transaction instead: nothing of it is acknowledged, and its entries are read again
from the pending list.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from app.db import session_scope
from app.db_statistics import PlannerStatistics
from app.integrations.openedx.eventbus.dead_letter import DeadLetter, DeadLetters
from app.integrations.openedx.eventbus.envelope import BusEntry, MalformedEntry

log = logging.getLogger("laurel.eventbus")

#: Applies a batch's entries in the caller's transaction: per entry, its outcome or the
#: exception that makes it poison (dead-lettered); raises ``TRANSIENT`` to undo the batch.
Apply = Callable[[Session, list[BusEntry]], list[str | Exception]]
RawEntry = tuple[bytes, dict[bytes, bytes] | None]


class RetryLater(RuntimeError):
    """The entry is fine but could not be applied now (e.g. racing writers kept winning):
    undo the batch and read it again, rather than dead-letter it."""


#: Errors that say "try the batch again later", not "this entry is bad".
TRANSIENT = (OperationalError, InterfaceError, RetryLater)


@dataclass(frozen=True)
class ConsumerPolicy:
    batch_size: int = 100
    #: Entries per transaction (0: the whole batch). Fewer commits per event, but row locks
    #: the issuance path takes (e.g. a status list's counter) are held until the commit, so
    #: consumers sharing the lock wait for each other's whole transaction.
    commit_every: int = 0
    #: How long XREADGROUP waits for new entries (also how soon SIGTERM is noticed).
    block_ms: int = 1000
    #: Entries pending this long in a consumer's list are presumed orphaned (it died).
    claim_idle_ms: int = 60_000
    #: How often to look for such entries.
    claim_every_seconds: float = 10.0
    #: How often to print the progress line (0: never).
    progress_every_seconds: float = 10.0
    #: Pause after a failed batch or a lost Redis connection (with jitter).
    retry_pause_seconds: float = 1.0


@dataclass
class Totals:
    read: int = 0
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    dead_lettered: int = 0
    failed_batches: int = 0

    def line(self) -> str:
        done = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return (
            f"read {self.read} (claimed {self.claimed}); {done or 'nothing applied'}; "
            f"dead-lettered {self.dead_lettered}; failed batches {self.failed_batches}"
        )


class StreamConsumer:
    def __init__(
        self,
        redis: Any,
        engine: Engine,
        apply: Apply,
        *,
        stream: str,
        group: str,
        consumer: str,
        policy: ConsumerPolicy | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.redis = redis
        self.engine = engine
        self.apply = apply
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.policy = policy or ConsumerPolicy()
        self.progress = progress or log.info
        self.dead_letters = DeadLetters(redis, stream, group, consumer)
        self.totals = Totals()
        self._backlog = True  # our own pending entries first (a restart after a crash)
        #: A wave grows the tables fast: keep the planner's row counts close to the truth.
        self.statistics = PlannerStatistics(engine)
        self._next_claim = 0.0

    # -- set-up -------------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """XGROUP CREATE ... $ MKSTREAM, once: a new group starts at the stream's end, as
        edx-event-bus-redis does; an existing group keeps its position."""
        try:
            self.redis.xgroup_create(self.stream, self.group, id="$", mkstream=True)
        except Exception as exc:  # redis.ResponseError BUSYGROUP: another consumer made it
            if "BUSYGROUP" not in str(exc):
                raise

    # -- the loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> Totals:
        """Consume until ``stop`` is set (SIGTERM), finishing the batch under way. With
        ``until_idle``, return once nothing is new and nothing is pending in the whole group
        (entries of a dead consumer are claimed first): draining, tests, benchmarks."""
        self.ensure_group()
        started = last_report = time.monotonic()
        reported = 0
        while not stop.is_set():
            try:
                handled = self.step()
            except TRANSIENT as exc:
                self._pause(f"batch undone, to be read again: {exc!r}", stop)
                continue
            except Exception as exc:
                if not _is_redis_connection_error(exc):
                    raise
                self._pause(f"redis unavailable: {exc!r}", stop)
                continue
            now = time.monotonic()
            every = self.policy.progress_every_seconds
            if every and now - last_report >= every:
                self._report(now - last_report, reported, now - started)
                last_report, reported = now, self.totals.read
            if until_idle and handled == 0 and not self._backlog and self._group_pending() == 0:
                break
        if self.policy.progress_every_seconds:
            now = time.monotonic()
            self._report(now - last_report, reported, now - started)
        return self.totals

    def step(self) -> int:
        """One batch: orphaned entries due for claiming, else our own pending ones, else new
        ones (waiting up to ``block_ms``). Returns how many entries it handled."""
        entries = self._claim_orphans()
        if not entries and self._backlog:
            entries = self._read("0")
            if not entries:
                self._backlog = False
        if not entries and not self._backlog:
            entries = self._read(">", block=self.policy.block_ms)
        if entries:
            self.handle(entries)
            self.statistics.refresh_if_stale()
        return len(entries)

    def handle(self, raw: list[RawEntry]) -> None:
        """Apply what was read, ``commit_every`` entries to a transaction."""
        size = self.policy.commit_every or len(raw)
        for start in range(0, len(raw), size):
            self._handle_unit(raw[start : start + size])

    def _handle_unit(self, raw: list[RawEntry]) -> None:
        """Apply entries in one transaction, dead-letter their poison, then XACK them all."""
        letters: list[DeadLetter] = []
        entries: list[BusEntry] = []
        for entry_id, fields in raw:
            if fields is None:  # trimmed from the stream while pending: nothing to apply
                continue
            try:
                entries.append(BusEntry.parse(entry_id, fields))
            except MalformedEntry as exc:
                letters.append(DeadLetter(entry_id.decode(), fields, f"malformed entry: {exc}"))
        outcomes: Counter[str] = Counter()
        try:
            with session_scope(self.engine) as session:  # the batch owns the transaction
                results = self.apply(session, entries)  # a poison entry is undone alone
            for entry, result in zip(entries, results, strict=True):
                if isinstance(result, Exception):
                    reason = f"{type(result).__name__}: {result}"
                    letters.append(DeadLetter(entry.entry_id, entry.to_fields(), reason))
                else:
                    outcomes[result] += 1
        except TRANSIENT:
            self.totals.failed_batches += 1
            self._backlog = True  # read them again from our pending list
            raise
        self.dead_letters.send(letters)
        self.redis.xack(self.stream, self.group, *[entry_id for entry_id, _ in raw])
        self.totals.read += len(raw)
        self.totals.outcomes.update(outcomes)
        self.totals.dead_lettered += len(letters)

    # -- reading ------------------------------------------------------------------------------

    def _read(self, start: str, block: int | None = None) -> list[RawEntry]:
        answer = self.redis.xreadgroup(
            self.group,
            self.consumer,
            {self.stream: start},
            count=self.policy.batch_size,
            block=block,
        )
        if not answer:
            return []
        _stream, entries = answer[0]
        return list(entries)

    def _claim_orphans(self) -> list[RawEntry]:
        """XAUTOCLAIM entries idle longer than ``claim_idle_ms`` (their consumer died or
        hangs): they become ours and are applied now. A slow consumer that was not dead
        finds its copies already applied (the event id)."""
        now = time.monotonic()
        if now < self._next_claim:
            return []
        claimed: list[RawEntry] = []
        cursor = "0-0"
        while len(claimed) < self.policy.batch_size:
            answer = self.redis.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                self.policy.claim_idle_ms,
                start_id=cursor,
                count=self.policy.batch_size - len(claimed),
            )
            cursor, entries = answer[0], answer[1]
            claimed.extend(entries)
            if cursor in (b"0-0", "0-0"):
                self._next_claim = now + self.policy.claim_every_seconds
                break
        if claimed:
            log.info("claimed %d orphaned entries of %s", len(claimed), self.stream)
        self.totals.claimed += len(claimed)
        return claimed

    # -- reporting ----------------------------------------------------------------------------

    def lag(self) -> tuple[int | None, int | None]:
        """The group's lag (entries not yet delivered) and pending count (XINFO GROUPS)."""
        for info in self.redis.xinfo_groups(self.stream):
            name = info.get("name")
            if name in (self.group, self.group.encode()):
                return info.get("lag"), info.get("pending")
        return None, None

    def _group_pending(self) -> int:
        summary = self.redis.xpending(self.stream, self.group)
        return int(summary["pending"])

    def _report(self, interval: float, before: int, elapsed: float) -> None:
        rate = (self.totals.read - before) / interval if interval > 0 else 0.0
        overall = self.totals.read / elapsed if elapsed > 0 else 0.0
        try:
            lag, pending = self.lag()
        except Exception:
            lag = pending = None
        self.progress(
            f"{self.stream} [{self.group}/{self.consumer}] {rate:.0f} events/s "
            f"(overall {overall:.0f}/s), lag {_or_unknown(lag)}, pending {_or_unknown(pending)}; "
            f"{self.totals.line()}"
        )

    def _pause(self, why: str, stop: threading.Event) -> None:
        log.warning("%s; retrying", why)
        stop.wait(self.policy.retry_pause_seconds * (0.5 + random.random()))


def _or_unknown(value: int | None) -> str:
    return "?" if value is None else str(value)


def _is_redis_connection_error(exc: Exception) -> bool:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, RedisConnectionError | RedisTimeoutError)
