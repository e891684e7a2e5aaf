"""Sign-in against a real OpenID Connect provider on loopback (panva's oidc-provider):
the authorization code flow with PKCE end to end, and each way an answer must be refused."""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from app.accounts.sessions import SESSION_COOKIE
from app.container import Services
from app.models import AuditEvent, LearnerLink, LearnerSession, OidcLogin
from tests.accounts.conftest import configure_provider
from tests.accounts.oidc_server import Browser, OidcTestProvider, query_of
from tests.accounts.signin import make_learner, session_of
from tests.factories import Factory

pytestmark = pytest.mark.slow  # starts a Node.js provider


@pytest.fixture
def acme(services: Services, factory: Factory, oidc_provider: OidcTestProvider):  # type: ignore[no-untyped-def]
    org = factory.org("acme")
    configure_provider(services, org, oidc_provider)
    make_learner(services, org, "alice", "Alice Smith")
    make_learner(services, org, "bob", "Bob Jones")
    return org


def _sessions(services: Services) -> list[LearnerSession]:
    with Session(services.engine) as session:
        return list(session.exec(select(LearnerSession)))


def _refused(response, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text
    assert words in response.text, response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_sign_in_end_to_end(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    authorize = browser.start("acme", "/me?tab=shares")
    sent = query_of(authorize.headers["location"])
    assert sent["response_type"] == "code" and sent["client_id"] == "laurel-acme"
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["redirect_uri"] == "https://laurel.test/signin/callback"
    assert len(sent["state"]) >= 43 and len(sent["nonce"]) >= 43
    assert "openid" in sent["scope"].split()

    callback = browser.to_callback(authorize, "alice")
    done = browser.callback(callback)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/me?tab=shares"
    jar: SimpleCookie = SimpleCookie()
    for header in done.headers.get_list("set-cookie"):
        jar.load(header)
    cookie = jar[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "lax"

    signed = session_of(services, cookie.value)
    assert signed is not None
    assert [(x.lms_id, x.name) for x in signed.learners] == [("alice", "Alice Smith")]
    with Session(services.engine) as session:
        link = session.exec(select(LearnerLink)).one()
        assert (link.subject, link.signin_name) == ("alice", "Alice Smith")
        assert session.exec(select(OidcLogin)).all() == []  # the sign-in under way is used up
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "account")).all()
        assert [(e.action, e.learner_lms_id) for e in events] == [("signed_in", "alice")]


def test_wrong_state_is_refused(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    callback = browser.to_callback(browser.start("acme"), "alice")
    forged = callback.replace("state=", "state=x")
    _refused(browser.callback(forged), "unknown or was already used")
    _refused(browser.laurel.get("/signin/callback?code=abc"), "no &#34;state&#34;")
    assert _sessions(services) == []
    assert browser.callback(callback).status_code == 303  # the real answer still works


def test_answer_in_another_browser_is_refused(
    services: Services, acme, browser: Browser, another_browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    """Login CSRF: a victim's browser fed the attacker's callback URL signs nobody in."""
    callback = browser.to_callback(browser.start("acme"), "bob")
    another_browser.laurel.get("/signin")  # it has its own sign-in cookie
    _refused(another_browser.callback(callback), "started in another browser")
    assert _sessions(services) == []


def test_replayed_code_is_refused(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    callback = browser.to_callback(browser.start("acme"), "alice")
    assert browser.callback(callback).status_code == 303
    _refused(browser.callback(callback), "unknown or was already used")
    # The same code with a fresh state of this browser: the provider refuses it.
    fresh = query_of(browser.start("acme").headers["location"])["state"]
    code = query_of(callback)["code"]
    replay = browser.laurel.get("/signin/callback", params={"code": code, "state": fresh})
    _refused(replay, "refused the code")
    assert len(_sessions(services)) == 1


def test_wrong_audience_is_refused(
    services: Services, acme, browser: Browser, oidc_provider: OidcTestProvider
) -> None:  # type: ignore[no-untyped-def]
    callback = browser.to_callback(browser.start("acme"), "alice")
    oidc_provider.tamper_next_id_token(aud="laurel-globex")
    _refused(browser.callback(callback), "not for this client (audience)")
    assert _sessions(services) == []


def test_expired_id_token_is_refused(
    services: Services, acme, browser: Browser, oidc_provider: OidcTestProvider
) -> None:  # type: ignore[no-untyped-def]
    callback = browser.to_callback(browser.start("acme"), "alice")
    now = int(time.time())
    oidc_provider.tamper_next_id_token(iat=now - 7200, exp=now - 3600)
    _refused(browser.callback(callback), "ID token has expired")
    assert _sessions(services) == []


def test_an_answer_naming_another_issuer_is_refused(
    services: Services, acme, browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    """RFC 9207: the ``iss`` of the authorization response must be the provider's (mix-up)."""
    callback = browser.to_callback(browser.start("acme"), "alice")
    assert "iss=" in callback
    forged = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fevil.example", callback)
    _refused(browser.callback(forged), "another issuer")
    assert _sessions(services) == []


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"nonce": "not-ours"}, "does not answer this sign-in (nonce)"),
        ({"iss": "https://evil.example"}, "comes from another issuer"),
    ],
)
def test_other_bad_id_tokens_are_refused(
    services: Services,
    acme,  # type: ignore[no-untyped-def]
    browser: Browser,
    oidc_provider: OidcTestProvider,
    claims: dict[str, str],
    words: str,
) -> None:
    callback = browser.to_callback(browser.start("acme"), "alice")
    oidc_provider.tamper_next_id_token(**claims)
    _refused(browser.callback(callback), words)
    assert _sessions(services) == []


def test_a_provider_account_without_a_record_here(
    services: Services, acme, browser: Browser
) -> None:  # type: ignore[no-untyped-def]
    walk = browser.sign_in("acme", "carol")
    assert walk.response.status_code == 404
    assert "has not given Laurel a record for you yet" in walk.response.text
    assert _sessions(services) == []


def test_logout_ends_the_session(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    walk = browser.sign_in("acme", "alice")
    assert walk.response.status_code == 303
    token = browser.laurel.cookies[SESSION_COOKIE]
    signed = session_of(services, token)
    assert signed is not None
    out = browser.laurel.post("/signout", data={"csrf_token": signed.csrf_token})
    assert out.status_code == 303 and urlsplit(out.headers["location"]).path == "/"
    assert session_of(services, token) is None
    assert SESSION_COOKIE not in browser.laurel.cookies


def test_sign_in_form_needs_its_csrf_token(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    browser.laurel.get("/signin")
    for data in ({}, {"csrf_token": "0" * 64}):
        refused = browser.laurel.post("/signin/acme", data=data)
        assert refused.status_code == 403, refused.text
    with Session(services.engine) as session:
        assert session.exec(select(OidcLogin)).all() == []


def test_open_redirects_are_not_followed(services: Services, acme, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        walk = browser.sign_in("acme", "alice", next_path=target)
        assert walk.response.headers["location"] == "/me", target


def test_the_configured_claim_names_the_learner(
    services: Services, factory: Factory, oidc_provider: OidcTestProvider, browser: Browser
) -> None:
    """With ``user_id_claim`` "email", the learner whose LMS id is that e-mail signs in."""
    org = factory.org("acme")
    configure_provider(services, org, oidc_provider, claim="email")
    make_learner(services, org, "alice", "Wrong Alice")  # the LMS id is not the username here
    make_learner(services, org, "bob@example.test", "Bob by e-mail")
    assert browser.sign_in("acme", "bob").response.status_code == 303
    signed = session_of(services, browser.laurel.cookies[SESSION_COOKIE])
    assert signed is not None and [x.lms_id for x in signed.learners] == ["bob@example.test"]


def test_adding_another_organizations_account_links_it(
    services: Services, factory: Factory, oidc_provider: OidcTestProvider, browser: Browser
) -> None:
    """Signed in at Acme, the person asks (on /me) to add their Globex account and signs in
    there: both learners are theirs. A plain second sign-in does not link."""
    acme, globex = factory.org("acme"), factory.org("globex")
    for org in (acme, globex):
        configure_provider(services, org, oidc_provider)
    alice = make_learner(services, acme, "alice", "Alice Smith")
    alice_globex = make_learner(services, globex, "a.smith", "Alice M. Smith")

    # (Both organizations use the one test provider: forget its login between them, as two
    # real LMSs would not share one.)
    assert browser.sign_in("globex", "a.smith").response.status_code == 303
    browser.web.cookies.clear()
    assert browser.sign_in("acme", "alice").response.status_code == 303  # plain: no link
    signed = session_of(services, browser.laurel.cookies[SESSION_COOKIE])
    assert signed is not None and signed.learner_ids == {alice.id}
    assert (
        "Add my Globex University account"
        in browser.laurel.get("/me", headers={"Accept": "text/html"}).text
    )

    browser.web.cookies.clear()
    start = browser.laurel.post("/me/link/globex", data={"csrf_token": signed.csrf_token})
    assert start.status_code == 303
    callback = browser.to_callback(start, "a.smith")
    done = browser.callback(callback)
    assert done.status_code == 303 and done.headers["location"] == "/me"
    linked = session_of(services, browser.laurel.cookies[SESSION_COOKIE])
    assert linked is not None and linked.learner_ids == {alice.id, alice_globex.id}
    assert linked.session_id != signed.session_id  # a new session at every sign-in
    with Session(services.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "linked" in actions
