"""`laurel worker`, `laurel outbox list|retry|purge` and `laurel orgs mail`: the e-mail outbox
and who gets which e-mail."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from sqlmodel import Session

from app.cli import context
from app.db import session_scope, utcnow

if TYPE_CHECKING:
    from app.container import Services
    from app.notifications.worker import OutboxWorker

outbox_app = typer.Typer(help="The e-mail outbox.", no_args_is_help=True)


def make_worker(services: Services, name: str | None = None) -> OutboxWorker:
    """The worker as `laurel worker` runs it, from the settings."""
    from app.notifications.smtp import SmtpSender, SmtpUrl
    from app.notifications.worker import OutboxWorker, WorkerPolicy

    settings = services.settings
    if not settings.smtp_url:
        context.fail("LAUREL_SMTP_URL is not set: there is nowhere to send", context.EXIT_CONFIG)
    url = SmtpUrl.parse(settings.smtp_url)
    policy = WorkerPolicy(
        batch_size=settings.outbox_batch_size,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        max_attempts=settings.outbox_max_attempts,
        backoff=timedelta(seconds=settings.outbox_backoff_seconds),
    )
    return OutboxWorker(
        services.engine,
        lambda: SmtpSender(url, ca_file=settings.smtp_ca_file),
        settings.mail_from,
        services.notifier,
        policy,
        name=name,
    )


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due, then exit (cron, tests).")
    ] = False,
) -> None:
    """Send the outbox's e-mail and write expiry reminders as they fall due. Run as many as
    you like, on any hosts (PostgreSQL); with SQLite, run one."""
    services = context.services()
    logging.basicConfig(level=services.settings.log_level, format="%(asctime)s %(message)s")
    runner = make_worker(services)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())  # finish the message under way, then stop
    total = runner.run(poll_seconds=services.settings.worker_poll_seconds, stop=stop, once=once)
    if once:
        typer.echo(
            f"sent {total.sent}, retried {total.retried}, failed {total.failed}, "
            f"reminders {total.reminders}"
        )


@outbox_app.command("list")
def outbox_list(
    state: Annotated[
        str | None, typer.Option(help="pending, sending, sent or failed (default: all).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest first, at most this many.")] = 50,
) -> None:
    """Messages, newest first: id, state, attempts, kind, recipient, subject, last error."""
    from app.notifications import repository

    services = context.services()
    with Session(services.engine) as session:
        for row in repository.listing(session, state, limit):
            typer.echo(
                f"{row.id}\t{row.state}\t{row.attempts}\t{row.kind}\t{row.to_address}\t"
                f"{row.subject}\t{row.last_error or ''}"
            )


@outbox_app.command("retry")
def outbox_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Message ids (default: all failed).")
    ] = None,
) -> None:
    """Send failed messages again (their attempts start over)."""
    from app.notifications import repository

    services = context.services()
    with session_scope(services.engine) as session:  # the command owns the transaction
        count = repository.retry(session, ids or None, utcnow())
    typer.echo(f"{count} message(s) queued again")


@outbox_app.command("purge")
def outbox_purge(
    older_than_days: Annotated[int, typer.Option(help="Only messages older than this.")] = 30,
    failed: Annotated[bool, typer.Option(help="Purge failed messages too.")] = False,
) -> None:
    """Delete sent messages (and, with --failed, failed ones) older than N days."""
    from app.models.enums import OutboxState
    from app.notifications import repository

    services = context.services()
    states = [OutboxState.SENT.value] + ([OutboxState.FAILED.value] if failed else [])
    with session_scope(services.engine) as session:
        count = repository.purge(session, states, utcnow() - timedelta(days=older_than_days))
    typer.echo(f"{count} message(s) deleted")


def orgs_mail(
    slug: Annotated[str, typer.Argument(help="The organization.")],
    kind: Annotated[
        str | None, typer.Argument(help="earned, program, revoked or expiry (none: list).")
    ] = None,
    state: Annotated[str | None, typer.Argument(help="on or off.")] = None,
) -> None:
    """Show or switch which e-mails an organization's learners get."""
    from app.issuers.repository import by_slug
    from app.models.enums import MailKind

    services = context.services()
    with session_scope(services.engine) as session:
        org = by_slug(session, slug)
        if org is None:
            context.fail(f'no organization "{slug}"')
        if kind is not None:
            if kind not in MailKind.__members__.values():
                context.fail(f'unknown kind "{kind}": use one of {", ".join(MailKind)}')
            if state not in ("on", "off"):
                context.fail('say "on" or "off"')
            services.notifier.set_kind(session, org, MailKind(kind), state == "on")
        for name, enabled in services.notifier.kinds(session, org).items():
            typer.echo(f"{name}\t{'on' if enabled else 'off'}")
