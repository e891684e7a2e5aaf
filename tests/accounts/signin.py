"""Test-only sign-in: a real server-side session for learners, its cookie put in a client.

Not a route: tests sign a learner in through the same functions the OIDC callback uses
(app/accounts/sessions.py), then the client carries the cookie like a browser.

    browser = sign_in(services, client, learner)          # or [learner_a, learner_b]
    client.post("/signout", data={"csrf_token": browser.csrf_token})
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.sessions import (
    SESSION_COOKIE,
    SignedInLearner,
    account_for_learner,
    signed_in,
    start_session,
)
from app.container import Services
from app.db import session_scope
from app.models import Learner, Organization


@dataclass(frozen=True)
class SignedInBrowser:
    token: str
    learner: SignedInLearner

    @property
    def csrf_token(self) -> str:
        return self.learner.csrf_token


def make_learner(
    services: Services, org: Organization, lms_id: str = "alice", name: str = "Alice Smith"
) -> Learner:
    """A learner as the LMS would have created it (org, LMS user id, name)."""
    with session_scope(services.engine) as session:
        learner = Learner(org_id=org.id, lms_id=lms_id, name=name)
        session.add(learner)
        session.flush()
        session.refresh(learner)
        return learner


def sign_in(
    services: Services, client: TestClient, learners: Learner | list[Learner]
) -> SignedInBrowser:
    """Sign ``learners`` (linked into one account, as successive sign-ins would) in ``client``."""
    many = learners if isinstance(learners, list) else [learners]
    with session_scope(services.engine) as session:
        account_id: int | None = None
        for learner in many:
            account_id = account_for_learner(session, learner, into=account_id)
        assert account_id is not None
        token = start_session(session, account_id, services.settings.learner_session_ttl_seconds)
        signed = signed_in(session, token)
    assert signed is not None
    client.cookies.set(SESSION_COOKIE, token, domain=_host(client), path="/")
    return SignedInBrowser(token, signed)


def session_of(services: Services, token: str) -> SignedInLearner | None:
    with Session(services.engine) as session:
        return signed_in(session, token)


def _host(client: TestClient) -> str:
    return client.base_url.host
