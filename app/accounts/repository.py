"""Every query of learner accounts: links, sessions, OIDC providers and sign-ins under way,
hidden credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.db import rowcount
from app.models import (
    HiddenCredential,
    Learner,
    LearnerAccount,
    LearnerLink,
    LearnerSession,
    OidcLogin,
    OidcProvider,
    Organization,
)


def account(session: Session, account_id: int) -> LearnerAccount | None:
    return session.get(LearnerAccount, account_id)


def link_of(session: Session, learner_id: int) -> LearnerLink | None:
    return session.get(LearnerLink, learner_id)


def linked_learners(session: Session, account_id: int) -> list[Learner]:
    """The account's learners, oldest link first."""
    stmt = (
        select(Learner)
        .join(LearnerLink, col(LearnerLink.learner_id) == col(Learner.id))
        .where(LearnerLink.account_id == account_id)
        .order_by(col(LearnerLink.linked_at), col(Learner.id))
    )
    return list(session.exec(stmt))


def session_row(session: Session, session_id: str) -> LearnerSession | None:
    return session.get(LearnerSession, session_id)


def delete_session(session: Session, session_id: str) -> int:
    return rowcount(session, delete(LearnerSession).where(col(LearnerSession.id) == session_id))


def delete_expired_sessions(session: Session, now: datetime) -> int:
    return rowcount(session, delete(LearnerSession).where(col(LearnerSession.expires_at) <= now))


# -- OIDC providers and sign-ins under way ---------------------------------------------------


def provider_of(session: Session, org_id: int) -> OidcProvider | None:
    return session.exec(select(OidcProvider).where(OidcProvider.org_id == org_id)).first()


def enabled_providers(session: Session) -> list[tuple[OidcProvider, Organization]]:
    stmt = (
        select(OidcProvider, Organization)
        .join(Organization, col(Organization.id) == col(OidcProvider.org_id))
        .where(col(OidcProvider.enabled).is_(True))
        .order_by(col(Organization.name), col(Organization.id))
    )
    return [(provider, org) for provider, org in session.exec(stmt)]


def delete_provider(session: Session, org_id: int) -> int:
    return rowcount(session, delete(OidcProvider).where(col(OidcProvider.org_id) == org_id))


def take_login(session: Session, login_id: str) -> OidcLogin | None:
    """The sign-in under way with this id, deleted in the same step: of two callbacks with
    the same state, only one gets it (the DELETE's row count decides)."""
    login = session.get(OidcLogin, login_id)
    if login is None:
        return None
    won = rowcount(session, delete(OidcLogin).where(col(OidcLogin.id) == login_id))
    return login if won == 1 else None


def delete_expired_logins(session: Session, now: datetime) -> int:
    return rowcount(session, delete(OidcLogin).where(col(OidcLogin.expires_at) <= now))


# -- linking accounts --------------------------------------------------------------------------


def move_account(session: Session, source: int, target: int) -> None:
    """Everything of account ``source`` becomes ``target``'s (a person proved both)."""
    for table in (LearnerLink, LearnerSession, HiddenCredential):
        rowcount(
            session,
            update(table).where(col(table.account_id) == source).values(account_id=target),
        )


def all_links(session: Session, account_id: int) -> list[LearnerLink]:
    return list(session.exec(select(LearnerLink).where(LearnerLink.account_id == account_id)))


# -- hidden credentials ------------------------------------------------------------------------


def hidden_of(session: Session, account_id: int) -> set[str]:
    stmt = select(HiddenCredential.credential_uuid).where(HiddenCredential.account_id == account_id)
    return set(session.exec(stmt))


def hidden_row(session: Session, uuid: str) -> HiddenCredential | None:
    return session.get(HiddenCredential, uuid)


def unhide(session: Session, uuid: str, account_id: int) -> int:
    return rowcount(
        session,
        delete(HiddenCredential).where(
            col(HiddenCredential.credential_uuid) == uuid,
            col(HiddenCredential.account_id) == account_id,
        ),
    )
