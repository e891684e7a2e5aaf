"""Signing a person in once the provider vouched for them: find the learner by the LMS user
id, link it to an account, start a fresh session, record it.

Linking two organizations' learners needs intent: the signed-in person asked, on ``/me``, to
add their account at another organization (``link_account_id`` of the sign-in), and is still
signed in to that account when the provider answers. A plain sign-in starts a session of the
learner's own account and ends any other session of this browser (a new session id at every
sign-in: no session fixation, OWASP Session Management).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import audit, repository
from app.accounts.errors import SignInFailed
from app.accounts.oidc import VerifiedSignIn
from app.accounts.sessions import (
    SignedInLearner,
    account_for_learner,
    end_expired,
    end_session,
    start_session,
)
from app.catalog.service import CatalogService
from app.db import utcnow
from app.issuers.organizations import organization
from app.models import Learner


class NoRecordYet(SignInFailed):
    """The LMS account is real, but its organization has issued it nothing here yet."""

    status = 404
    code = "no-learner-record"
    title = "No record yet"


@dataclass(frozen=True)
class SignedIn:
    token: str
    account_id: int
    learner: Learner
    return_to: str


def finish_sign_in(
    session: Session,
    verified: VerifiedSignIn,
    current: SignedInLearner | None,
    ttl_seconds: int,
) -> SignedIn:
    org = organization(session, verified.org_id)
    learner = CatalogService.learner_or_none(session, org.id, verified.user_id)
    if learner is None:
        raise NoRecordYet(
            f"you signed in at {org.name}, but {org.name} has not given Laurel a record for "
            "you yet: once a course of theirs awards you a certificate, sign in again",
            org_name=org.name,
        )
    if verified.link_account_id is not None:
        if current is None or current.account_id != verified.link_account_id:
            raise SignInFailed("the account to add this one to is no longer signed in here")
        account_id = _link_into(session, learner, verified.link_account_id)
    else:
        account_id = account_for_learner(session, learner)
    link = repository.link_of(session, learner.id)
    assert link is not None
    link.subject = verified.subject[:255]
    link.signin_name = verified.name[:300] if verified.name else None
    link.last_signin_at = utcnow()
    session.add(link)
    if current is not None:
        end_session(session, current.session_id)
    # Housekeeping rides on sign-ins (they write anyway): ended sessions and abandoned
    # sign-ins leave the tables.
    end_expired(session)
    repository.delete_expired_logins(session, utcnow())
    token = start_session(session, account_id, ttl_seconds)
    audit.record(
        session,
        org_id=org.id,
        account_id=account_id,
        action="signed_in",
        learner_lms_id=learner.lms_id,
        reason=f"OIDC sub {verified.subject}"[:1000],
    )
    return SignedIn(token, account_id, learner, verified.return_to)


def _link_into(session: Session, learner: Learner, target: int) -> int:
    """Put ``learner`` in account ``target``; a learner already in another account brings
    that whole account along (the person has just proved they control both)."""
    existing = repository.link_of(session, learner.id)
    if existing is None:
        account_for_learner(session, learner, into=target)
    elif existing.account_id != target:
        repository.move_account(session, existing.account_id, target)
        session.expire_all()
    audit.record(
        session,
        org_id=learner.org_id,
        account_id=target,
        action="linked",
        learner_lms_id=learner.lms_id,
    )
    return target
