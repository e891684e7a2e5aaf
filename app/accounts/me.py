"""The learner's own pages (``/me``): what they see and what they may do themselves.

Every action names the thing it acts on (a credential uuid, a share id, a learner) and is
refused as a 404 unless it belongs to one of the signed-in person's learners: another
learner's credential or share is indistinguishable from a missing one. Every action is in
the audit log (app/accounts/audit.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts import audit, repository
from app.accounts.sessions import SignedInLearner
from app.awards.records import RecordsService
from app.awards.schemas import LearnerCredential
from app.db import as_utc
from app.errors import InvalidInput, NotFound
from app.issuers.organizations import organization
from app.models import HiddenCredential, Learner, Organization, RecordShare
from app.sharing.service import ProgramProgress, RecordShareService
from app.wallet.offers import OpenOffer
from app.wallet.service import WalletService

#: ``created_by_client`` of what learners make themselves (shares, wallet offers).
MADE_BY_LEARNER = "learner"


@dataclass(frozen=True)
class MyCredential:
    item: LearnerCredential
    org_name: str
    hidden: bool


@dataclass(frozen=True)
class MyShare:
    id: str
    url: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass
class MyOrganization:
    org: Organization
    learner: Learner
    programs: list[ProgramProgress] = field(default_factory=list)
    shares: list[MyShare] = field(default_factory=list)


@dataclass
class MyPage:
    display_name: str
    chosen_name: str | None
    names: list[str]
    credentials: list[MyCredential]
    organizations: list[MyOrganization]


class LearnerPages:
    def __init__(
        self, records: RecordsService, sharing: RecordShareService, wallet: WalletService
    ) -> None:
        self.records = records
        self.sharing = sharing
        self.wallet = wallet

    # -- reading ------------------------------------------------------------------------------

    def _learners(self, session: Session, me: SignedInLearner) -> list[Learner]:
        return repository.linked_learners(session, me.account_id)

    def names(self, session: Session, me: SignedInLearner) -> list[str]:
        """The names the LMSs sent: each learner's name (LMS API) and the provider's ``name``
        at the last sign-in, in that order, without repeats."""
        seen: list[str] = []
        for learner in self._learners(session, me):
            link = repository.link_of(session, learner.id)
            for name in (learner.name, link.signin_name if link else None):
                if name and name.strip() and name.strip() not in seen:
                    seen.append(name.strip())
        return seen

    def page(self, session: Session, me: SignedInLearner) -> MyPage:
        hidden = repository.hidden_of(session, me.account_id)
        account = repository.account(session, me.account_id)
        credentials: list[MyCredential] = []
        organizations: list[MyOrganization] = []
        for learner in self._learners(session, me):
            org = organization(session, learner.org_id)
            for item in self.records.credentials(session, learner):
                credentials.append(MyCredential(item, org.name, item.uuid in hidden))
            record = self.sharing.record(session, org, learner, for_owner=True)
            shares = [
                MyShare(
                    s.id,
                    self.sharing.share_url(s),
                    s.label,
                    as_utc(s.created_at),
                    as_utc(s.revoked_at) if s.revoked_at else None,
                )
                for s in self.sharing.shares(session, learner)
            ]
            organizations.append(MyOrganization(org, learner, record.programs, shares))
        credentials.sort(key=lambda c: c.item.issued_at, reverse=True)
        return MyPage(
            display_name=me.display_name,
            chosen_name=account.display_name if account else None,
            names=self.names(session, me),
            credentials=credentials,
            organizations=organizations,
        )

    def owned(self, session: Session, me: SignedInLearner, uuid: str) -> tuple[Learner, str]:
        """The person's learner holding this credential (its current uuid); else 404."""
        wanted = uuid.lower()
        for learner in self._learners(session, me):
            for item in self.records.credentials(session, learner):
                if item.uuid == wanted:
                    return learner, item.uuid
        raise NotFound(f'no credential "{uuid}" of yours', field="uuid")

    def _my_learner(self, session: Session, me: SignedInLearner, learner_id: int) -> Learner:
        for learner in self._learners(session, me):
            if learner.id == learner_id:
                return learner
        raise NotFound(f'no learner "{learner_id}" of yours', field="learner")

    # -- acting -------------------------------------------------------------------------------

    def set_hidden(self, session: Session, me: SignedInLearner, uuid: str, hidden: bool) -> None:
        """Hide a credential from public view (its URL answers 404 to others) or show it
        again. Idempotent. The credential and its status list entry are untouched."""
        learner, uuid = self.owned(session, me, uuid)
        row = repository.hidden_row(session, uuid)
        if hidden and row is None:
            try:
                with session.begin_nested():
                    session.add(HiddenCredential(credential_uuid=uuid, account_id=me.account_id))
                    session.flush()
            except IntegrityError:  # a concurrent request hid it first: the same outcome
                pass
        elif not hidden and row is not None:
            repository.unhide(session, uuid, me.account_id)
        else:
            return
        self._audit(session, me, learner, "hidden" if hidden else "shown", credential_uuid=uuid)

    def choose_name(self, session: Session, me: SignedInLearner, name: str | None) -> None:
        """The name shown for the person: one the LMSs sent, or None (the newest one)."""
        account = repository.account(session, me.account_id)
        assert account is not None
        if name is not None and name not in self.names(session, me):
            raise InvalidInput('"name" must be one of the names your learning platforms sent',
                               field="name")  # fmt: skip
        account.display_name = name
        session.add(account)
        session.flush()
        for learner in self._learners(session, me):
            self._audit(session, me, learner, "name_chosen", reason=name or "(default)")

    def create_share(
        self, session: Session, me: SignedInLearner, learner_id: int, label: str | None
    ) -> RecordShare:
        learner = self._my_learner(session, me, learner_id)
        org = organization(session, learner.org_id)
        label = (label or "").strip()[:200] or None
        share = self.sharing.create_share(session, org, learner, label, MADE_BY_LEARNER)
        self._audit(session, me, learner, "share_made", reason=f"share {share.id}")
        return share

    def revoke_share(self, session: Session, me: SignedInLearner, share_id: str) -> None:
        for learner in self._learners(session, me):
            if any(s.id == share_id for s in self.sharing.shares(session, learner)):
                share = self.sharing.revoke_share(session, learner, share_id)
                if share.revoked_at is not None:
                    self._audit(session, me, learner, "share_revoked", reason=f"share {share_id}")
                return
        raise NotFound(f'no record share "{share_id}" of yours', field="share_id")

    def wallet_offer(self, session: Session, me: SignedInLearner, uuid: str) -> OpenOffer:
        """A one-time wallet offer for the person's own credential (its "Add to wallet" page
        is where they go next)."""
        learner, uuid = self.owned(session, me, uuid)
        org = organization(session, learner.org_id)
        opened, _ = self.wallet.create_offer(session, org, uuid, client_id=MADE_BY_LEARNER)
        self._audit(
            session, me, learner, "offer_made", credential_uuid=uuid, reason=opened.record.id
        )
        return opened

    @staticmethod
    def _audit(
        session: Session,
        me: SignedInLearner,
        learner: Learner,
        action: str,
        *,
        credential_uuid: str | None = None,
        reason: str | None = None,
    ) -> None:
        audit.record(
            session,
            org_id=learner.org_id,
            account_id=me.account_id,
            action=action,
            learner_lms_id=learner.lms_id,
            credential_uuid=credential_uuid,
            reason=reason,
        )
