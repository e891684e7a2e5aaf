"""Workers as processes: killed with SIGKILL between claim and send (and in the middle of a
send), and two workers on PostgreSQL sharing one outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.container import Services
from app.db import session_scope
from app.models import OutboxMessage
from app.notifications.worker import OutboxWorker
from tests.lms import Lms
from tests.notifications.smtpd import Inbox, blackhole

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def rows(services: Services) -> list[OutboxMessage]:
    with Session(services.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def start_worker(settings: Settings, smtp_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": settings.database_url,
        "LAUREL_BASE_URL": settings.public_base_url(),
        "LAUREL_KEYS_DIR": str(settings.keys_dir),
        "LAUREL_SMTP_URL": smtp_url,
        "LAUREL_MAIL_FROM": settings.mail_from,
        "LAUREL_OUTBOX_LEASE_SECONDS": "1",
        "LAUREL_WORKER_POLL_SECONDS": "0.1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill9(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def finish_with(worker: OutboxWorker, services: Services) -> None:
    """Run the surviving worker until every message is sent (claims wait for the lease)."""

    def done() -> bool:
        worker.run_once()
        return all(r.state == "sent" for r in rows(services))

    wait_for(done, "the outbox to be sent")


def test_kill_9_between_claim_and_send_loses_nothing(
    lms: Lms, inbox: Inbox, settings: Settings, services: Services, worker: OutboxWorker
) -> None:
    lms.course()
    for learner in ("ada", "bob", "cy"):
        lms.grade(expect=201, learner=learner)
    with blackhole() as (silent_url, connected):
        process = start_worker(settings, silent_url)
        try:
            # It claimed the batch and is waiting for the server's greeting: nothing sent.
            wait_for(connected.is_set, "the worker to connect")
            assert {r.state for r in rows(services)} == {"sending"}
        finally:
            kill9(process)
    assert {r.state for r in rows(services)} == {"sending"}  # the dead worker's claim
    finish_with(worker, services)
    expected = sorted(f"<{r.message_id}>" for r in rows(services))
    assert sorted(inbox.message_ids()) == expected  # each exactly once, none lost


def test_kill_9_in_the_middle_of_a_send_sends_that_message_again_at_most_once(
    lms: Lms, inbox: Inbox, settings: Settings, services: Services, worker: OutboxWorker
) -> None:
    lms.course()
    for learner in ("ada", "bob"):
        lms.grade(expect=201, learner=learner)
    inbox.stall.set()  # the server takes the first message's DATA and never answers
    process = start_worker(settings, inbox.url)
    try:
        wait_for(inbox.stalled.is_set, "the first message to be under way")
    finally:
        kill9(process)
    inbox.stall.clear()
    finish_with(worker, services)
    ids = inbox.message_ids()
    for row in rows(services):
        copies = ids.count(f"<{row.message_id}>")
        assert 1 <= copies <= 2, (row.message_id, copies)  # never lost, at most one copy more
    assert len(ids) <= len(rows(services)) + 1
    # The copy is the same message, byte for byte (same Message-ID, Date and boundary).
    first = inbox.received[0]
    assert inbox.received.count(first) == ids.count(ids[0])


def test_two_workers_on_postgresql_send_each_message_exactly_once(
    lms: Lms, inbox: Inbox, services: Services, engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite: one worker)")
    from app.cli.mail import make_worker

    lms.course()
    lms.grade(expect=201, learner="seed")
    (template,) = rows(services)
    with session_scope(services.engine) as session:  # 300 more messages, quickly
        for n in range(300):
            values = template.model_dump(exclude={"id", "message_id", "raw"})
            raw = template.raw.replace(template.message_id.encode(), f"m{n}@t".encode())
            session.add(OutboxMessage(**values, message_id=f"m{n}@t", raw=raw))
    workers = [make_worker(services, name=f"w{n}") for n in range(2)]
    for w in workers:  # small batches: many claims racing
        w.policy = replace(w.policy, batch_size=7)
    errors: list[BaseException] = []

    def run(w: OutboxWorker) -> None:
        try:
            w.run(poll_seconds=0, once=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = inbox.message_ids()
    assert len(ids) == 301 and len(set(ids)) == 301  # every message, each once
    claimed_by = {r.claimed_by for r in rows(services)}
    assert claimed_by == {"w0", "w1"}  # both took part
    assert {r.state for r in rows(services)} == {"sent"}
