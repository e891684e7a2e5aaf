"""What to tell a learner, written to the outbox in the transaction of its cause.

The award services and the revocation service call the listeners here (wired in
app.container): an award's e-mail, with its one-time wallet offer, commits with the award or
not at all. Nothing here talks to an SMTP server (app.notifications.worker does).

A message is written only when the organization has its kind on (app.models.enums:
revocation mail is off by default), the learner has an e-mail address, and the learner has
not unsubscribed from that kind.
"""

from __future__ import annotations

import json
import logging
import uuid as uuidlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from app.credentials.status_changes import Cascade
from app.db import as_utc, unique_or, utcnow
from app.errors import AppError, NotFound
from app.issuers.identity import IssuerIdentity
from app.models import (
    IssuedCredential,
    Learner,
    MailUnsubscribe,
    Organization,
    OrgMailKind,
    OutboxMessage,
)
from app.models.enums import CredentialKind, MailKind
from app.notifications import repository
from app.notifications.compose import Mail, compose
from app.notifications.templates import MailTemplates
from app.notifications.unsubscribe import UnsubscribeTokens
from app.sharing.linkedin import linkedin_add_url
from app.wallet.offers import MAX_OFFER_TTL
from app.wallet.service import WalletService

log = logging.getLogger("laurel.mail")

#: Expiry reminders: days before validUntil (the nearest one due is sent, once).
REMINDER_DAYS = (7, 30)
_AWARD_KINDS: dict[str, MailKind] = {
    CredentialKind.COURSE: MailKind.EARNED,
    CredentialKind.PROGRAM: MailKind.PROGRAM,
}


class _AlreadyUnsubscribed(Exception):
    pass


class Notifier:
    def __init__(
        self,
        identity: IssuerIdentity,
        templates: MailTemplates,
        wallet: WalletService,
        tokens: UnsubscribeTokens,
        offer_ttl: timedelta = MAX_OFFER_TTL,
        *,
        mail_from: str = "Laurel <no-reply@localhost>",
        enabled: bool = True,
    ) -> None:
        self.mail_from = mail_from
        #: False without LAUREL_SMTP_URL: no mail is written (no outbox growing unsent).
        self.enabled = enabled
        self.identity = identity
        self.templates = templates
        self.wallet = wallet
        self.tokens = tokens
        self.offer_ttl = offer_ttl
        self.domain = urlsplit(identity.base_url).hostname or "localhost"

    # -- listeners (app.container) ----------------------------------------------------------

    def on_awarded(
        self, session: Session, org: Organization, learner: Learner, record: IssuedCredential
    ) -> None:
        """A course or program credential was issued (a first award or a renewal)."""
        if not self.enabled:
            return  # no outbox: nothing to look up
        kind = _AWARD_KINDS.get(record.kind)
        if kind is None or not self._wanted(session, org, learner, kind):
            return
        context = self._context(org, learner, record)
        context.update(offer_url=None, offer_expires=None)
        try:
            with session.begin_nested():  # no offer must not mean no award (or no e-mail)
                opened, _ = self.wallet.create_offer(
                    session, org, record.uuid, ttl=self.offer_ttl, client_id="mail"
                )
            context.update(
                offer_url=opened.page_url,
                offer_expires=f"{as_utc(opened.record.expires_at):%Y-%m-%d %H:%M} UTC",
            )
        except AppError as exc:
            log.info("no wallet offer in the award e-mail for %s: %s", record.uuid, exc.detail)
        self._enqueue(session, org, learner, record, kind, context)

    def on_revoked(
        self, session: Session, record: IssuedCredential, actor: str | None
    ) -> list[Cascade]:
        """CredentialStatusService.on_revoked: tell the learner (when the org wants it)."""
        if not self.enabled or record.kind not in _AWARD_KINDS:
            return []
        learner_id = self._learner_id(session, record)
        learner = session.get(Learner, learner_id) if learner_id else None
        org = session.get(Organization, record.org_id)
        if learner is None or org is None:
            return []
        if self._wanted(session, org, learner, MailKind.REVOKED):
            context = self._context(org, learner, record)
            context["reason"] = record.status_reason
            self._enqueue(session, org, learner, record, MailKind.REVOKED, context)
        return []

    def remind(self, session: Session, now: datetime) -> int:
        """Expiry reminders due at ``now``: one per credential and reminder day, ever (the
        outbox's dedupe key), the nearest day only (a credential 5 days from expiry gets the
        7-day reminder, not both)."""
        horizon = now + timedelta(days=max(REMINDER_DAYS))
        due: dict[str, tuple[IssuedCredential, int, int]] = {}
        for record, learner_id in repository.expiring(session, now, horizon):
            assert isinstance(record, IssuedCredential) and record.valid_until is not None
            left = as_utc(record.valid_until) - now
            day = min(d for d in REMINDER_DAYS if left <= timedelta(days=d))
            due[f"expiry-{day}:{record.uuid}"] = (record, learner_id, day)
        done = repository.existing_dedupe_keys(session, list(due))
        written = 0
        for key, (record, learner_id, _day) in due.items():
            if key in done:
                continue
            learner = session.get(Learner, learner_id)
            org = session.get(Organization, record.org_id)
            if learner is None or org is None:
                continue
            if not self._wanted(session, org, learner, MailKind.EXPIRY):
                continue
            context = self._context(org, learner, record)
            assert record.valid_until is not None  # the due query selects only those
            context["days"] = max(1, (as_utc(record.valid_until) - now).days)
            try:
                with unique_or(session, _AlreadyUnsubscribed()):  # another worker wrote it
                    self._enqueue(session, org, learner, record, MailKind.EXPIRY, context, key)
                    session.flush()
                written += 1
            except _AlreadyUnsubscribed:
                continue
        return written

    # -- preferences --------------------------------------------------------------------------

    def unsubscribe(self, session: Session, token: str) -> tuple[Learner, MailKind]:
        """One click: the learner stops getting this kind (idempotent)."""
        opened = self.tokens.open(token)
        learner = session.get(Learner, opened[0]) if opened else None
        if opened is None or learner is None:
            raise NotFound("this unsubscribe link is not valid", field="token")
        kind = opened[1]
        if not repository.unsubscribed(session, learner.id, kind):
            try:
                with unique_or(session, _AlreadyUnsubscribed()):
                    session.add(MailUnsubscribe(learner_id=learner.id, kind=kind))
                    session.flush()
            except _AlreadyUnsubscribed:
                pass  # a second click raced the first
        return learner, kind

    def check_token(self, session: Session, token: str) -> tuple[Learner, MailKind]:
        opened = self.tokens.open(token)
        learner = session.get(Learner, opened[0]) if opened else None
        if opened is None or learner is None:
            raise NotFound("this unsubscribe link is not valid", field="token")
        return learner, opened[1]

    @staticmethod
    def set_kind(session: Session, org: Organization, kind: MailKind, enabled: bool) -> None:
        row = repository.org_kind(session, org.id, kind)
        if row is None:
            row = OrgMailKind(org_id=org.id, kind=kind, enabled=enabled)
        row.enabled = enabled
        session.add(row)
        session.flush()

    @staticmethod
    def kinds(session: Session, org: Organization) -> dict[str, bool]:
        return {k.value: repository.kind_enabled(session, org.id, k) for k in MailKind}

    # -- operations ---------------------------------------------------------------------------

    @staticmethod
    def health(session: Session, now: datetime) -> dict[str, Any]:
        count, oldest, failed = repository.backlog(session)
        age = (now - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        return {"backlog": count, "oldest_unsent_age_seconds": max(0, int(age)), "failed": failed}

    # -- internals ----------------------------------------------------------------------------

    def _wanted(
        self, session: Session, org: Organization, learner: Learner, kind: MailKind
    ) -> bool:
        return bool(
            self.enabled
            and learner.email
            and repository.kind_enabled(session, org.id, kind)
            and not repository.unsubscribed(session, learner.id, kind)
        )

    @staticmethod
    def _learner_id(session: Session, record: IssuedCredential) -> int | None:
        from app.awards import repository as awards

        award: Any = (
            awards.course_award_by_credential(session, record.uuid)
            if record.kind == CredentialKind.COURSE
            else awards.program_award_by_credential(session, record.uuid)
        )
        return award.learner_id if award is not None else None

    def _context(
        self, org: Organization, learner: Learner, record: IssuedCredential
    ) -> dict[str, Any]:
        document = json.loads(record.document)
        title = document.get("name") or "your credential"
        valid_until = record.valid_until
        url = self.identity.credential_url(record.uuid)
        issued = as_utc(record.issued_at).date()
        return {
            "organization": org.name,
            "learner_name": learner.name,
            "achievement": title,
            "credential_url": url,
            "valid_until": f"{as_utc(valid_until):%Y-%m-%d}" if valid_until else None,
            "linkedin_url": linkedin_add_url(
                name=title,
                organization=org.name,
                issued=issued,
                cert_url=url,
                cert_id=record.credential_id,
                expires=as_utc(valid_until).date() if valid_until else None,
                organization_id=org.linkedin_organization_id,
            ),
        }

    def _enqueue(
        self,
        session: Session,
        org: Organization,
        learner: Learner,
        record: IssuedCredential,
        kind: MailKind,
        context: dict[str, Any],
        dedupe_key: str | None = None,
    ) -> OutboxMessage:
        unsubscribe_url = (
            f"{self.identity.base_url}/mail/unsubscribe/{self.tokens.token(learner.id, kind)}"
        )
        context = {**context, "unsubscribe_url": unsubscribe_url}
        rendered = self.templates.render(org.slug, kind, context)
        mail = Mail(
            message_id=f"{uuidlib.uuid4()}@{self.domain}",
            sender=self.mail_from,
            to=learner.email or "",
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            date=utcnow(),
            unsubscribe_url=unsubscribe_url,
        )
        row = OutboxMessage(
            message_id=mail.message_id,
            dedupe_key=dedupe_key,
            org_id=org.id,
            learner_id=learner.id,
            credential_uuid=record.uuid,
            kind=kind,
            to_address=mail.to,
            subject=mail.subject,
            raw=compose(mail),
            unsubscribe_url=unsubscribe_url,
            created_at=mail.date,
        )
        if record.public_from is not None:  # no mail about a page not yet public
            row.next_attempt_at = max(row.next_attempt_at, as_utc(record.public_from))
        session.add(row)
        return row
