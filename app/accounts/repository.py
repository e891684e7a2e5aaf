"""Every query of learner accounts: links, sessions, hidden credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db import rowcount
from app.models import Learner, LearnerAccount, LearnerLink, LearnerSession


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
