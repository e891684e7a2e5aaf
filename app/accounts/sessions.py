"""Signed-in browsers: server-side sessions behind an opaque cookie.

The cookie holds 256 random bits; the table holds their SHA-256, so logout and expiry end a
session for certain and a copy of the database signs nobody in (OWASP Session Management
Cheat Sheet). A session belongs to an account, the person, which may hold learners of several
organizations (app/models/learner_account.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts import repository
from app.db import as_utc, utcnow
from app.models import Learner, LearnerAccount, LearnerLink, LearnerSession

#: The cookie's name. Path=/, HttpOnly, SameSite=Lax, Secure on an https base URL.
SESSION_COOKIE = "laurel_session"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LearnerRef:
    """One of the person's learners (one organization's view of them)."""

    id: int
    org_id: int
    lms_id: str
    name: str


@dataclass(frozen=True)
class SignedInLearner:
    """The person behind a signed-in browser: what pages and APIs may act for."""

    session_id: str
    account_id: int
    csrf_token: str
    expires_at: datetime
    learners: tuple[LearnerRef, ...]
    display_name: str

    @property
    def learner_ids(self) -> frozenset[int]:
        return frozenset(learner.id for learner in self.learners)

    def owns_learner(self, learner_id: int | None) -> bool:
        return learner_id is not None and learner_id in self.learner_ids


def display_name_of(account: LearnerAccount, learners: list[Learner]) -> str:
    """The chosen name, else the name the most recently linked learner's LMS sent."""
    if account.display_name:
        return account.display_name
    named = [learner.name for learner in learners if learner.name]
    return named[-1] if named else ""


def start_session(session: Session, account_id: int, ttl_seconds: int) -> str:
    """A new session for the account; returns the cookie's token (never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LearnerSession(
            id=token_hash(token),
            account_id=account_id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return token


def signed_in(session: Session, token: str | None) -> SignedInLearner | None:
    """The person a cookie's token signs in, or None (unknown, ended or expired). Reads only:
    expired rows are left for ``end_expired``."""
    if not token or len(token) > 100:
        return None
    row = repository.session_row(session, token_hash(token))
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    account = repository.account(session, row.account_id)
    if account is None:
        return None
    learners = repository.linked_learners(session, account.id)
    return SignedInLearner(
        session_id=row.id,
        account_id=account.id,
        csrf_token=row.csrf_token,
        expires_at=as_utc(row.expires_at),
        learners=tuple(LearnerRef(x.id, x.org_id, x.lms_id, x.name) for x in learners),
        display_name=display_name_of(account, learners),
    )


def end_session(session: Session, session_id: str) -> bool:
    """Logout: the row goes, so the cookie signs nobody in even if it is kept."""
    return repository.delete_session(session, session_id) == 1


def end_expired(session: Session) -> int:
    return repository.delete_expired_sessions(session, utcnow())


def account_for_learner(session: Session, learner: Learner, into: int | None = None) -> int:
    """The account of ``learner``, linking it first when it has none.

    ``into``: the account of a session already signed in in this browser; the learner joins
    it (the person proved both sign-ins). A learner already linked to another account keeps
    that account (accounts are merged by ``app.accounts.linking``, not here).
    """
    existing = repository.link_of(session, learner.id)
    if existing is not None:
        return existing.account_id
    account_id = into
    try:
        with session.begin_nested():
            if account_id is None:
                account = LearnerAccount()
                session.add(account)
                session.flush()
                account_id = account.id
            session.add(LearnerLink(learner_id=learner.id, account_id=account_id))
            session.flush()
    except IntegrityError:  # a concurrent sign-in linked it first
        won = repository.link_of(session, learner.id)
        if won is None:
            raise
        return won.account_id
    return account_id
