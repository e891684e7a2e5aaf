"""Outbox worker throughput: messages/s from the outbox to an SMTP server on loopback.

Each message is a real award e-mail (both parts, rendered from the default templates),
claimed in batches, sent over one SMTP connection per batch, its outcome committed one by
one. SQLite by default; set LAUREL_BENCH_POSTGRES_URL (a database it may wipe) to also time
one and two workers on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import text

from app.config import Settings
from app.container import Services, build_services, prepare
from app.db import make_engine, session_scope, utcnow
from app.issuers.organizations import create_organization
from app.migrations import upgrade
from app.models import OutboxMessage
from app.notifications.compose import Mail, compose
from app.notifications.smtp import SmtpSender, SmtpUrl
from app.notifications.templates import MailTemplates
from app.notifications.worker import OutboxWorker, WorkerPolicy
from benchmarks.common import throwaway_services


def _fill(services: Services, count: int) -> None:
    templates = MailTemplates(services.settings.templates_dir)
    context = {
        "organization": "Bench U",
        "learner_name": "Ada Lovelace",
        "achievement": "Introduction to Computer Science",
        "credential_url": "https://bench.laurel.test/credentials/0000",
        "valid_until": None,
        "linkedin_url": "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME",
        "offer_url": "https://bench.laurel.test/credentials/0000/wallet?offer=" + "x" * 43,
        "offer_expires": "2026-12-31 12:00 UTC",
        "unsubscribe_url": "https://bench.laurel.test/mail/unsubscribe/1.earned." + "x" * 24,
    }
    rendered = templates.render("bench", "earned", context)
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        for n in range(count):
            session.add(
                OutboxMessage(
                    message_id=f"{n}@bench.laurel.test",
                    org_id=org.id,  # type: ignore[arg-type]
                    kind="earned",
                    to_address=f"learner{n}@example.edu",
                    subject=rendered.subject,
                    raw=compose(
                        Mail(
                            message_id=f"{n}@bench.laurel.test",
                            sender="Bench U <credentials@bench.laurel.test>",
                            to=f"learner{n}@example.edu",
                            subject=rendered.subject,
                            text=rendered.text,
                            html=rendered.html,
                            date=utcnow(),
                            unsubscribe_url=context["unsubscribe_url"],
                        )
                    ),
                    unsubscribe_url=context["unsubscribe_url"],
                )
            )


def _time(services: Services, url: str, workers: int, count: int) -> float:
    smtp = SmtpUrl.parse(url)
    runners = [
        OutboxWorker(
            services.engine,
            lambda: SmtpSender(smtp),
            "Bench <bench@example.edu>",
            services.notifier,
            WorkerPolicy(batch_size=50, lease=timedelta(minutes=5)),
            name=f"bench-{n}",
        )
        for n in range(workers)
    ]
    threads = [
        threading.Thread(target=r.run, kwargs={"poll_seconds": 0, "once": True}) for r in runners
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count / (time.perf_counter() - start)


def _postgres(url: str) -> Services:
    engine = make_engine(Settings(database_url=url).database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    import tempfile
    from pathlib import Path

    keys = Path(tempfile.mkdtemp(prefix="laurel-bench-")) / "keys"
    settings = Settings(base_url="https://bench.laurel.test", database_url=url, keys_dir=keys)
    services = build_services(settings, engine)
    prepare(services)
    return services


def run(count: int = 2000) -> None:
    """The SMTP server runs in its own process (aiosmtpd's Sink): it must not share the
    worker's interpreter lock."""
    port = 8925
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"smtp://127.0.0.1:{port}"
    try:
        _wait_for_port(port)
        services = throwaway_services()
        _fill(services, count)
        rate = _time(services, url, 1, count)
        print(f"{f'outbox worker, SQLite, 1 worker ({count} messages)':<58} {rate:9.0f}/s")
        pg = os.environ.get("LAUREL_BENCH_POSTGRES_URL")
        for workers in (1, 2) if pg else ():
            services = _postgres(pg)  # type: ignore[arg-type]
            _fill(services, count)
            rate = _time(services, url, workers, count)
            label = f"outbox worker, PostgreSQL, {workers} worker(s) ({count} messages)"
            print(f"{label:<58} {rate:9.0f}/s")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP server did not start")


if __name__ == "__main__":
    run()
