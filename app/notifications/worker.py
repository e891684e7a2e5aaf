"""``laurel worker``: sends the outbox, and writes the expiry reminders that fall due.

Why rows claimed in the database rather than a task queue on Redis or RabbitMQ: the message
is already a row, written in the award's transaction; a queue would need a second write that
can be lost between the commit and the publish (the very problem the outbox solves), or a
relay doing exactly this claiming anyway. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` gives
several workers on several hosts disjoint batches without blocking; on SQLite (one host) the
claim takes the write lock at BEGIN (an immediate transaction), so claims serialize.

Each claimed row carries a lease. The worker commits the claim, sends, and commits the
outcome of each message separately; killed after the claim, its rows become claimable again
when the lease runs out (never lost), and at most the one message whose send was under way
may be delivered twice, with the same Message-ID (receivers can tell). A temporary failure
(4xx, connection) is retried with exponential back-off; after ``max_attempts`` failures, or
at once on a permanent one (5xx), the row is marked failed with the reason.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from sqlalchemy.engine import Engine

from app.db import session_scope, utcnow
from app.models import OutboxMessage
from app.models.enums import OutboxState
from app.notifications import repository
from app.notifications.service import Notifier
from app.notifications.smtp import SendError, SmtpSender

log = logging.getLogger("laurel.worker")
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class BatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0
    reminders: int = 0


@dataclass(frozen=True)
class WorkerPolicy:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=60)


def backoff_after(attempts: int, base: timedelta) -> timedelta:
    """Base, 2x base, 4x base, ... at most six hours."""
    return min(base * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


class OutboxWorker:
    def __init__(
        self,
        engine: Engine,
        sender: Callable[[], SmtpSender],
        mail_from: str,
        notifier: Notifier,
        policy: WorkerPolicy,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.new_sender = sender
        #: The envelope sender (MAIL FROM); the From header is in the stored message.
        self.envelope_from = parseaddr(mail_from)[1]
        self.notifier = notifier
        self.policy = policy
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def claim(self) -> list[OutboxMessage]:
        """One short transaction: take a batch and lease it to this worker."""
        # The worker task owns the transaction; the savepoint first makes SQLite take the write
        # lock at BEGIN (BEGIN IMMEDIATE, app.db), so no two claims read the same rows.
        with session_scope(self.engine) as session, session.begin_nested():
            return repository.claim(
                session, self.name, utcnow(), self.policy.lease, self.policy.batch_size
            )

    def run_once(self) -> BatchStats:
        stats = BatchStats()
        rows = self.claim()
        stats.claimed = len(rows)
        if rows:
            sender = self.new_sender()
            try:
                for row in rows:
                    self._deliver(sender, row, stats)
            finally:
                sender.close()
        return stats

    def _deliver(self, sender: SmtpSender, row: OutboxMessage, stats: BatchStats) -> None:
        attempts = row.attempts + 1
        try:
            sender.send(self.envelope_from, row.to_address, row.raw)
        except SendError as exc:
            if exc.temporary and attempts < self.policy.max_attempts:
                values: dict[str, object] = {
                    "state": OutboxState.PENDING,
                    "attempts": attempts,
                    "next_attempt_at": utcnow() + backoff_after(attempts, self.policy.backoff),
                    "lease_until": None,
                    "last_error": exc.reason,
                }
                stats.retried += 1
            else:
                values = {"state": OutboxState.FAILED, "attempts": attempts, "lease_until": None}
                values["last_error"] = exc.reason
                stats.failed += 1
        else:
            values = {
                "state": OutboxState.SENT,
                "attempts": attempts,
                "sent_at": utcnow(),
                "lease_until": None,
                "last_error": None,
            }
            stats.sent += 1
        with session_scope(self.engine) as session:
            if not repository.finish(session, row.id, self.name, values):
                stats.lost_lease += 1  # sending outlasted the lease; another worker took it

    def remind(self) -> int:
        with session_scope(self.engine) as session:
            return self.notifier.remind(session, utcnow())

    def run(
        self,
        *,
        poll_seconds: float,
        stop: threading.Event | None = None,
        once: bool = False,
        remind_every: float = 300.0,
    ) -> BatchStats:
        """Batches until ``stop`` is set (or the outbox is empty, ``once``); one log line per
        batch that did something."""
        stop = stop or threading.Event()
        total = BatchStats()
        next_remind = 0.0
        while not stop.is_set():
            started = time.monotonic()
            reminders = 0
            if started >= next_remind:
                reminders = self.remind()
                next_remind = started + remind_every
            stats = self.run_once()
            stats.reminders = reminders
            for field in ("claimed", "sent", "retried", "failed", "lost_lease", "reminders"):
                setattr(total, field, getattr(total, field) + getattr(stats, field))
            if stats.claimed or reminders:
                log.info(
                    "outbox batch: claimed=%d sent=%d retried=%d failed=%d lost_lease=%d "
                    "reminders=%d in %.2fs",
                    stats.claimed, stats.sent, stats.retried, stats.failed, stats.lost_lease,
                    reminders, time.monotonic() - started,
                )  # fmt: skip
            if once and stats.claimed == 0:
                break
            if not once and stats.claimed < self.policy.batch_size:
                stop.wait(poll_seconds)
        return total
