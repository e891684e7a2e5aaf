"""Expiry reminders 30 and 7 days before validUntil: once each, only for the current
credential, never to a learner who unsubscribed or an organization that turned them off."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.container import Services
from app.db import as_utc, session_scope
from app.issuers.repository import by_slug
from app.models import IssuedCredential, OutboxMessage
from app.models.enums import MailKind
from app.notifications.worker import OutboxWorker
from tests.lms import Lms
from tests.notifications.smtpd import Inbox

DAY = 24 * 60


def valid_until(services: Services, uuid: str) -> datetime:
    with Session(services.engine) as session:
        record = session.get(IssuedCredential, uuid)
        assert record is not None and record.valid_until is not None
        return as_utc(record.valid_until)


def remind(services: Services, now: datetime) -> int:
    with session_scope(services.engine) as session:
        return services.notifier.remind(session, now)


def reminders(services: Services) -> list[OutboxMessage]:
    with Session(services.engine) as session:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == MailKind.EXPIRY)
        return list(session.exec(stmt.order_by(OutboxMessage.id)))


def test_reminders_30_and_7_days_before_once_each(
    lms: Lms, services: Services, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course(validity="P1Y")
    uuid = lms.grade(expect=201, learner="ada")["credential"]["uuid"]
    end = valid_until(services, uuid)
    assert remind(services, end - timedelta(days=31)) == 0  # not yet
    assert remind(services, end - timedelta(days=30)) == 1  # the 30-day reminder
    assert remind(services, end - timedelta(days=20)) == 0  # once
    assert remind(services, end - timedelta(days=7, seconds=1)) == 0
    assert remind(services, end - timedelta(days=5)) == 1  # the 7-day reminder
    assert remind(services, end - timedelta(days=1)) == 0
    assert remind(services, end + timedelta(days=1)) == 0  # expired: nothing more
    keys = [r.dedupe_key for r in reminders(services)]
    assert keys == [f"expiry-30:{uuid}", f"expiry-7:{uuid}"]
    worker.run(poll_seconds=0, once=True)
    subjects = [str(m["Subject"]) for m in inbox.messages()]
    assert "Introduction to Computer Science expires in 30 days" in subjects
    assert "Introduction to Computer Science expires in 5 days" in subjects


def test_a_late_worker_sends_only_the_nearest_reminder(lms: Lms, services: Services) -> None:
    lms.course(validity="P1Y")
    uuid = lms.grade(expect=201, learner="ada")["credential"]["uuid"]
    assert remind(services, valid_until(services, uuid) - timedelta(days=3)) == 1
    assert [r.dedupe_key for r in reminders(services)] == [f"expiry-7:{uuid}"]


def test_no_reminder_for_a_renewed_credential_or_an_unsubscribed_learner(
    lms: Lms, services: Services
) -> None:
    lms.course(validity="P6M", renewal_window="P30D")
    old = lms.grade(expect=201, learner="ada")["credential"]["uuid"]
    lms.grade(expect=201, learner="ada", minute=160 * DAY)  # renewed in the window
    lms.grade(expect=201, learner="bob")
    with Session(services.engine) as session:
        bob = services.catalog.learner_or_none(session, 1, "bob")
        assert bob is not None and bob.id is not None
    token = services.notifier.tokens.token(bob.id, MailKind.EXPIRY)
    assert lms.client.post(f"/mail/unsubscribe/{token}").status_code == 200
    assert remind(services, valid_until(services, old) - timedelta(days=5)) == 0
    assert reminders(services) == []
    # An organization that turns reminders off gets none either.
    lms.grade(expect=201, learner="cy")
    with session_scope(services.engine) as session:
        org = by_slug(session, "acme")
        assert org is not None
        services.notifier.set_kind(session, org, MailKind.EXPIRY, False)
    assert remind(services, valid_until(services, old) - timedelta(days=5)) == 0
