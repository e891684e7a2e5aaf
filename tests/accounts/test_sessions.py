"""The signed-in learner's session: server-side, hashed, ended by logout and by expiry; the
cookie's attributes; ``current_learner``; CSRF on the signout form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http.cookies import SimpleCookie

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select
from starlette.responses import Response

from app.accounts.sessions import SESSION_COOKIE, token_hash
from app.config import Settings
from app.container import Services
from app.db import session_scope, utcnow
from app.deps import CurrentLearner, FormLearner, OptionalLearner
from app.http.guard import GuardedRoute
from app.models import LearnerLink, LearnerSession
from app.web.session_cookie import set_session_cookie
from tests.accounts.signin import make_learner, session_of, sign_in
from tests.factories import Factory

Browser = Callable[[], TestClient]


def _probe_routes(client: TestClient) -> None:
    """Routes that only report who is signed in (the real pages come with app/web/me.py)."""
    router = APIRouter(route_class=GuardedRoute)

    @router.get("/_probe/required")
    def required(learner: CurrentLearner) -> dict[str, object]:
        return {"account": learner.account_id, "learners": sorted(learner.learner_ids)}

    @router.get("/_probe/optional")
    def optional(learner: OptionalLearner) -> dict[str, object]:
        return {"account": learner.account_id if learner else None}

    @router.post("/_probe/form")
    def form(learner: FormLearner) -> dict[str, object]:
        return {"account": learner.account_id}

    client.app.include_router(router)  # type: ignore[attr-defined]


def _cookie(response: Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def test_cookie_is_httponly_lax_and_secure_on_https(settings: Settings) -> None:
    response = Response()
    set_session_cookie(response, "t0ken", settings)  # tests run on https://laurel.test
    morsel = _cookie(response)[SESSION_COOKIE]
    assert morsel.value == "t0ken"
    assert morsel["httponly"] and morsel["secure"]
    assert morsel["samesite"] == "lax" and morsel["path"] == "/"
    assert int(morsel["max-age"]) == settings.learner_session_ttl_seconds

    plain = Response()
    set_session_cookie(plain, "t0ken", settings.model_copy(update={"base_url": "http://x.test"}))
    assert not _cookie(plain)[SESSION_COOKIE]["secure"]


def test_current_learner_is_the_cookies_account(
    services: Services, factory: Factory, new_browser: Browser
) -> None:
    org = factory.org("acme")
    alice = make_learner(services, org, "alice")
    browser = new_browser()
    _probe_routes(browser)

    assert browser.get("/_probe/optional").json() == {"account": None}
    refused = browser.get("/_probe/required")
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/sign-in-required")

    signed = sign_in(services, browser, alice)
    assert browser.get("/_probe/required").json() == {
        "account": signed.learner.account_id,
        "learners": [alice.id],
    }
    # Only the token's hash is stored: the token itself signs nobody in from the table.
    with Session(services.engine) as session:
        ids = list(session.exec(select(LearnerSession.id)))
    assert ids == [token_hash(signed.token)] and signed.token not in ids


def test_browsers_are_sent_to_sign_in(services: Services, new_browser: Browser) -> None:
    browser = new_browser()
    _probe_routes(browser)
    page = browser.get("/_probe/required?x=1", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=%2F_probe%2Frequired%3Fx%3D1"


def test_two_sign_ins_link_two_learners_into_one_account(
    services: Services, factory: Factory, new_browser: Browser
) -> None:
    alice_acme = make_learner(services, factory.org("acme"), "alice")
    alice_globex = make_learner(services, factory.org("globex"), "a.smith")
    browser = new_browser()
    signed = sign_in(services, browser, [alice_acme, alice_globex])
    assert signed.learner.learner_ids == {alice_acme.id, alice_globex.id}
    # A later sign-in of either learner finds the same account.
    again = sign_in(services, new_browser(), alice_globex)
    assert again.learner.account_id == signed.learner.account_id
    with Session(services.engine) as session:
        assert len(list(session.exec(select(LearnerLink)))) == 2


def test_expired_session_signs_nobody_in(
    services: Services, factory: Factory, new_browser: Browser
) -> None:
    browser = new_browser()
    _probe_routes(browser)
    signed = sign_in(services, browser, make_learner(services, factory.org()))
    with session_scope(services.engine) as session:
        session.exec(
            update(LearnerSession).values(expires_at=utcnow() - timedelta(seconds=1))  # type: ignore[call-overload]
        )
    assert session_of(services, signed.token) is None
    assert browser.get("/_probe/required").status_code == 401


def test_forms_need_this_sessions_csrf_token(
    services: Services, factory: Factory, new_browser: Browser
) -> None:
    org = factory.org()
    browser, other = new_browser(), new_browser()
    _probe_routes(browser)
    signed = sign_in(services, browser, make_learner(services, org, "alice"))
    stranger = sign_in(services, other, make_learner(services, org, "bob"))

    for data in ({}, {"csrf_token": ""}, {"csrf_token": "x" * 43},
                 {"csrf_token": stranger.csrf_token}):  # fmt: skip
        refused = browser.post("/_probe/form", data=data)
        assert refused.status_code == 403, data
        assert refused.json()["type"].endswith("/csrf-refused")
    # A JSON body with the right token is not a form: refused too.
    assert browser.post("/_probe/form", json={"csrf_token": signed.csrf_token}).status_code == 403
    ok = browser.post("/_probe/form", data={"csrf_token": signed.csrf_token})
    assert ok.json() == {"account": signed.learner.account_id}


def test_signout_ends_the_session_and_clears_the_cookie(
    services: Services, factory: Factory, new_browser: Browser
) -> None:
    browser = new_browser()
    signed = sign_in(services, browser, make_learner(services, factory.org()))

    assert browser.post("/signout", data={}).status_code == 403
    assert session_of(services, signed.token) is not None

    out = browser.post("/signout", data={"csrf_token": signed.csrf_token})
    assert out.status_code == 303 and out.headers["location"] == "/"
    cleared = _cookie(out)[SESSION_COOKIE]
    assert cleared.value in ("", '""') and int(cleared["max-age"]) == 0
    assert session_of(services, signed.token) is None  # a kept cookie signs nobody in
    # Signed out, the form needs a sign-in first.
    assert browser.post("/signout", data={"csrf_token": signed.csrf_token}).status_code == 401
