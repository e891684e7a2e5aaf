"""The OB 3.0 API driven as a host would (OB 3.0 §6-7): discovery, registration, consent with
a signed-in learner, tokens, credentials and profile, refresh with rotation, revocation; and
each wrong step refused with the error the specs name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.accounts import api_scopes
from tests.accounts.clr_setup import learner_row, learner_with_program
from tests.accounts.imsx import code_minor
from tests.accounts.obhost import (
    REDIRECT,
    Host,
    Setup,
    approve,
    audit_actions,
    bearer,
    connect,
    make_setup,
    metadata,
    query_of,
)
from tests.accounts.signin import make_learner, sign_in
from tests.factories import Factory
from tests.lms import Lms

Browser = Callable[[], TestClient]
OB = "/ims/ob/v3p0"
RESPONSE_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_getopenbadgecredentialsresponse_schema.json"
)


@pytest.fixture
def setup(lms: Lms, new_browser: Browser) -> Setup:
    return make_setup(lms, new_browser)


def test_discovery_names_registration_authorization_token_and_scopes(
    app_client: TestClient,
) -> None:
    document = app_client.get(f"{OB}/discovery").json()
    assert document["openapi"].startswith("3.0")
    assert document["info"]["x-imssf-privacyPolicyUrl"].startswith("https://")
    assert document["info"]["termsOfService"]
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == "https://laurel.test/oauth2/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://laurel.test/oauth2/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://laurel.test/oauth2/token"
    assert set(flow["scopes"]) == set(api_scopes.OB_SCOPES)
    assert {"/credentials", "/profile", "/discovery"} <= set(document["paths"])


def test_host_reads_credentials_and_profile_refreshes_and_revokes(setup: Setup) -> None:
    tokens = connect(setup)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    client = setup.host.client
    listed = client.get(f"{OB}/credentials", headers=bearer(tokens["access_token"]))
    assert listed.status_code == 200, listed.text
    assert listed.headers["x-total-count"] == "4"
    ids = {c["id"] for c in listed.json()["credential"]}
    assert len(ids) == 4
    schemas = client.app.state.services.schemas  # type: ignore[attr-defined]
    assert schemas.errors(RESPONSE_SCHEMA, listed.json()) == []
    page = client.get(
        f"{OB}/credentials",
        params={"limit": 3, "offset": 3},
        headers=bearer(tokens["access_token"]),
    )
    assert len(page.json()["credential"]) == 1
    links = page.headers["link"]
    assert 'rel="first"' in links and 'rel="last"' in links and 'rel="prev"' in links
    assert 'rel="next"' not in links
    assert "offset=0" in links
    for bad in ("²", "-1", "0", "x"):
        refused = client.get(
            f"{OB}/credentials", params={"limit": bad}, headers=bearer(tokens["access_token"])
        )
        assert refused.status_code == 400
        assert code_minor(refused.json()) == "invalid_query_parameter"
    first = client.get(
        f"{OB}/credentials", params={"limit": 3}, headers=bearer(tokens["access_token"])
    )
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]

    profile = client.get(f"{OB}/profile", headers=bearer(tokens["access_token"]))
    assert profile.status_code == 200 and profile.json()["type"] == ["Profile"]
    assert profile.json()["name"] == "Grace Hopper"
    changed = {**profile.json(), "name": "Grace B. Hopper", "email": "grace@example.org"}
    put = client.put(f"{OB}/profile", json=changed, headers=bearer(tokens["access_token"]))
    assert put.status_code == 200, put.text
    again = client.get(f"{OB}/profile", headers=bearer(tokens["access_token"]))
    assert again.json()["name"] == "Grace B. Hopper"
    other_id = {**changed, "id": "urn:other"}
    swapped = client.put(f"{OB}/profile", json=other_id, headers=bearer(tokens["access_token"]))
    assert swapped.status_code == 400 and code_minor(swapped.json()) == "invalid_data"
    assert client.get(f"{OB}/profile", headers=bearer(tokens["access_token"])).json() == changed
    invalid = client.put(
        f"{OB}/profile", json={"name": "no id"}, headers=bearer(tokens["access_token"])
    )
    assert invalid.status_code == 400 and code_minor(invalid.json()) == "invalid_data"

    refreshed = setup.host.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert client.get(f"{OB}/profile", headers=bearer(new["access_token"])).status_code == 200

    assert setup.host.revoke(new["refresh_token"]).status_code == 200
    gone = client.get(f"{OB}/profile", headers=bearer(new["access_token"]))
    assert gone.status_code == 401
    assert code_minor(gone.json()) == "unauthorizedrequest"
    assert 'error="invalid_token"' in gone.headers["www-authenticate"]
    assert setup.host.revoke("not-a-token").status_code == 200  # RFC 7009 §2.2
    assert audit_actions(setup) == ["api-approved", "api-revoked"]


def test_reused_rotated_refresh_token_revokes_the_family(setup: Setup) -> None:
    tokens = connect(setup)
    rotate = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    new = setup.host.token(rotate).json()
    reused = setup.host.token(rotate)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    for token in (new["access_token"], tokens["access_token"]):
        assert setup.host.client.get(f"{OB}/profile", headers=bearer(token)).status_code == 401
    later = setup.host.token({"grant_type": "refresh_token", "refresh_token": new["refresh_token"]})
    assert later.json()["error"] == "invalid_grant"
    assert audit_actions(setup) == ["api-approved", "api-replayed"]


def test_replayed_code_is_refused_and_revokes_what_it_gave(setup: Setup) -> None:
    params, verifier = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    first = setup.host.exchange(code, verifier)
    assert first.status_code == 200
    replay = setup.host.exchange(code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    access = first.json()["access_token"]
    assert setup.host.client.get(f"{OB}/profile", headers=bearer(access)).status_code == 401


def test_pkce_mismatch_and_missing_verifier_are_refused(setup: Setup) -> None:
    params, _ = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    wrong = setup.host.exchange(code, "x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "PKCE" in wrong.json()["error_description"]


def test_pkce_is_required_and_only_s256(setup: Setup) -> None:
    for overrides in ({"code_challenge_method": "plain"}, {"code_challenge": ""}):
        params, _ = setup.host.authorize_params(**overrides)
        page = setup.browser.get("/oauth2/authorize", params=params)
        assert page.status_code == 303
        answer = query_of(page.headers["location"])
        assert answer["error"] == "invalid_request" and answer["state"] == params["state"]


def test_wrong_redirect_uri_is_shown_to_the_learner_never_redirected(setup: Setup) -> None:
    params, _ = setup.host.authorize_params(redirect_uri="https://evil.example/callback")
    page = setup.browser.get("/oauth2/authorize", params=params)
    assert page.status_code == 400 and "location" not in page.headers
    assert "cannot connect" in page.text
    unknown, _ = setup.host.authorize_params(client_id="nobody")
    assert setup.browser.get("/oauth2/authorize", params=unknown).status_code == 400


def test_redirect_uri_at_the_token_endpoint_must_match(setup: Setup) -> None:
    params, verifier = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    answer = setup.host.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://host.example/other",
            "code_verifier": verifier,
        }
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_scope_not_registered_is_refused_at_the_redirect_uri(
    lms: Lms, new_browser: Browser
) -> None:
    learner_with_program(lms)
    browser = new_browser()
    signed = sign_in(lms.services, browser, learner_row(lms))
    host = Host.register(new_browser(), scope=api_scopes.OB_PROFILE_READONLY)
    params, _ = host.authorize_params(scope=api_scopes.OB_CREDENTIAL_READONLY)
    page = browser.get("/oauth2/authorize", params=params)
    assert page.status_code == 303
    assert query_of(page.headers["location"])["error"] == "invalid_scope"
    # A token without the route's scope: 403 insufficient_scope, as Imsx_StatusInfo.
    params, verifier = host.authorize_params(scope=api_scopes.OB_PROFILE_READONLY)
    code = query_of(approve(browser, params, signed.csrf_token))["code"]
    access = host.exchange(code, verifier).json()["access_token"]
    refused = host.client.get(f"{OB}/credentials", headers=bearer(access))
    assert refused.status_code == 403
    body = refused.json()
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert code_minor(body) == "forbidden"
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    put = host.client.put(f"{OB}/profile", json={}, headers=bearer(access))
    assert put.status_code == 403


def test_consent_needs_the_csrf_token_and_a_signed_in_learner(
    setup: Setup, new_browser: Browser
) -> None:
    params, _ = setup.host.authorize_params()
    forged = setup.browser.post("/oauth2/authorize", data={**params, "decision": "allow"})
    assert forged.status_code == 403
    wrong = setup.browser.post(
        "/oauth2/authorize", data={**params, "decision": "allow", "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403
    stranger = new_browser()
    page = stranger.get("/oauth2/authorize", params=params, headers={"Accept": "text/html"})
    assert page.status_code in (303, 401)
    if page.status_code == 303:
        assert "/signin" in page.headers["location"]


def test_consent_page_shows_the_application_and_can_deny(setup: Setup) -> None:
    params, _ = setup.host.authorize_params()
    page = setup.browser.get("/oauth2/authorize", params=params)
    assert "Example Backpack" in page.text and "Read your Open Badges credentials" in page.text
    assert "form-action 'self' https://host.example" in page.headers["content-security-policy"]
    denied = setup.browser.post(
        "/oauth2/authorize",
        data={**params, "decision": "deny", "csrf_token": setup.signed.csrf_token},
    )
    answer = query_of(denied.headers["location"])
    assert answer["error"] == "access_denied" and "code" not in answer


def test_another_learners_data_is_never_read(
    lms: Lms, factory: Factory, new_browser: Browser, setup: Setup
) -> None:
    mine = connect(setup)
    other_org = factory.org("beta")
    bob = make_learner(lms.services, other_org, "bob", "Bob Jones")
    bob_browser = new_browser()
    bob_signed = sign_in(lms.services, bob_browser, bob)
    params, verifier = setup.host.authorize_params()
    code = query_of(approve(bob_browser, params, bob_signed.csrf_token))["code"]
    bobs = setup.host.exchange(code, verifier).json()
    client = setup.host.client
    theirs = client.get(f"{OB}/credentials", headers=bearer(bobs["access_token"]))
    assert theirs.status_code == 200 and theirs.headers["x-total-count"] == "0"
    assert theirs.json() == {}
    assert client.get(f"{OB}/profile", headers=bearer(bobs["access_token"])).json()["name"] == (
        "Bob Jones"
    )
    grace = client.get(f"{OB}/credentials", headers=bearer(mine["access_token"]))
    assert grace.headers["x-total-count"] == "4"
    # Bob's profile changes are Bob's alone, whatever id he writes.
    grace_profile = client.get(f"{OB}/profile", headers=bearer(mine["access_token"])).json()
    claimed = {**grace_profile, "name": "Not Grace"}
    put = client.put(f"{OB}/profile", json=claimed, headers=bearer(bobs["access_token"]))
    assert put.status_code == 200
    after = client.get(f"{OB}/profile", headers=bearer(mine["access_token"])).json()
    assert after == grace_profile


def test_a_code_is_only_good_for_the_client_it_was_issued_to(
    setup: Setup, new_browser: Browser
) -> None:
    params, verifier = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    thief = Host.register(new_browser())
    stolen = thief.exchange(code, verifier)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    bad_secret = setup.host.token({"grant_type": "authorization_code", "code": code}, "wrong")
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    assert bad_secret.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uris": ["http://host.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://host.example/cb#frag"]}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"client_name": None}, "invalid_client_metadata"),
        ({"logo_uri": "javascript:alert(1)"}, "invalid_client_metadata"),
        ({"tos_uri": None}, "invalid_client_metadata"),
        ({"scope": "https://example.org/scope/everything"}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
    ],
)
def test_registration_refuses_bad_metadata(
    app_client: TestClient, overrides: dict[str, object], error: str
) -> None:
    response = app_client.post("/oauth2/register", json=metadata(**overrides))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error


def test_registration_answers_the_client_and_its_metadata(app_client: TestClient) -> None:
    response = app_client.post("/oauth2/register", json=metadata(redirect_uris=[
        REDIRECT, "http://127.0.0.1:8123/cb"]))  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["client_id"] and len(body["client_secret"]) >= 43
    assert body["client_secret_expires_at"] == 0
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["redirect_uris"] == [REDIRECT, "http://127.0.0.1:8123/cb"]


def test_tokens_and_secrets_are_stored_hashed(setup: Setup) -> None:
    from sqlmodel import Session, select

    from app.models import OAuthClient, OAuthToken

    tokens = connect(setup)
    with Session(setup.host.client.app.state.services.engine) as session:  # type: ignore[attr-defined]
        stored = {t.token_hash for t in session.exec(select(OAuthToken)).all()}
        secrets_ = {c.secret_hash for c in session.exec(select(OAuthClient)).all()}
    assert tokens["access_token"] not in stored and tokens["refresh_token"] not in stored
    assert setup.host.secret not in secrets_
    assert all(len(h) == 64 for h in stored)


def test_registration_is_rate_limited_per_address(app_client: TestClient) -> None:
    answers = [app_client.post("/oauth2/register", json=metadata()) for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [201] * 20
    assert answers[20].status_code == 429
    assert answers[20].json()["error"] == "temporarily_unavailable"
    assert int(answers[20].headers["retry-after"]) > 0


def test_learner_sees_and_disconnects_an_application_on_me(setup: Setup) -> None:
    tokens = connect(setup)
    me = setup.browser.get("/me")
    assert "Connected applications" in me.text and "Example Backpack" in me.text
    path = f"/me/apps/{setup.host.client_id}/disconnect"
    assert setup.browser.post(path, data={}).status_code == 403  # no CSRF token
    done = setup.browser.post(path, data={"csrf_token": setup.signed.csrf_token})
    assert done.status_code == 303 and done.headers["location"] == "/me#apps"
    client = setup.host.client
    assert client.get(f"{OB}/profile", headers=bearer(tokens["access_token"])).status_code == 401
    again = setup.host.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.json()["error"] == "invalid_grant"
    assert "Example Backpack" not in setup.browser.get("/me").text
    assert audit_actions(setup)[-1] == "api-disconnect"


def test_a_refused_refresh_leaves_the_refresh_token_usable(setup: Setup) -> None:
    """RFC 6749 §5.2/§6: an invalid_scope answer changes nothing; the token still rotates."""
    tokens = connect(setup, scope=api_scopes.OB_CREDENTIAL_READONLY)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    wider = setup.host.token({**form, "scope": api_scopes.OB_PROFILE_UPDATE})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    again = setup.host.token(form)
    assert again.status_code == 200, again.text
    listed = setup.host.client.get(f"{OB}/credentials", headers=bearer(tokens["access_token"]))
    assert listed.status_code == 200
    assert "api-replayed" not in audit_actions(setup)


def test_narrowing_scope_on_refresh_narrows_only_the_access_token(setup: Setup) -> None:
    """RFC 6749 §6: the new refresh token's scope is identical to the old one's."""
    full = " ".join(api_scopes.OB_SCOPES)
    tokens = connect(setup, scope=full)
    narrow = setup.host.token(
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": api_scopes.OB_PROFILE_READONLY,
        }
    )
    assert narrow.status_code == 200, narrow.text
    assert narrow.json()["scope"] == api_scopes.OB_PROFILE_READONLY
    client = setup.host.client
    reading = client.get(f"{OB}/credentials", headers=bearer(narrow.json()["access_token"]))
    assert reading.status_code == 403
    wide = setup.host.token(
        {"grant_type": "refresh_token", "refresh_token": narrow.json()["refresh_token"]}
    )
    assert wide.status_code == 200, wide.text
    assert set(wide.json()["scope"].split()) == set(full.split())
    access = bearer(wide.json()["access_token"])
    assert client.get(f"{OB}/credentials", headers=access).status_code == 200


def test_every_oauth_error_description_is_plain_ascii(setup: Setup) -> None:
    """RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E, and readable."""
    import re

    allowed = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")
    descriptions: list[str] = []
    params, _ = setup.host.authorize_params()
    code = query_of(approve(setup.browser, params, setup.signed.csrf_token))["code"]
    missing = setup.host.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    )
    assert missing.json()["error"] == "invalid_request"
    assert "RFC 7636 section 4.1" in missing.json()["error_description"]
    for form in (
        {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT},
        {"grant_type": "refresh_token", "refresh_token": "nope"},
        {"grant_type": "password"},
    ):
        descriptions.append(setup.host.token(form).json()["error_description"])
    descriptions.append(missing.json()["error_description"])
    descriptions.append(
        setup.host.token({"grant_type": "x"}, secret="wrong").json()["error_description"]
    )
    bad_register = setup.host.client.post("/oauth2/register", json={"redirect_uris": "x"})
    descriptions.append(bad_register.json()["error_description"])
    for overrides in ({"code_challenge_method": "plain"}, {"response_type": "token"}):
        wrong, _ = setup.host.authorize_params(**overrides)
        page = setup.browser.get("/oauth2/authorize", params=wrong)
        descriptions.append(query_of(page.headers["location"])["error_description"])
    refused = setup.host.client.get(f"{OB}/profile", headers=bearer("nope"))
    descriptions.append(refused.json()["imsx_description"])
    for description in descriptions:
        assert description and allowed.fullmatch(description), description
    assert all("'" not in d for d in descriptions), descriptions  # nothing had to be replaced


def test_disconnecting_an_application_that_is_not_yours_answers_404(
    setup: Setup, lms: Lms, factory: Factory, new_browser: Browser
) -> None:
    tokens = connect(setup)
    other = new_browser()
    mallory = make_learner(lms.services, factory.org("beta"), "mallory", "Mallory")
    signed = sign_in(lms.services, other, mallory)
    path = f"/me/apps/{setup.host.client_id}/disconnect"
    answer = other.post(path, data={"csrf_token": signed.csrf_token})
    assert answer.status_code == 404
    unknown = other.post("/me/apps/nobody/disconnect", data={"csrf_token": signed.csrf_token})
    assert unknown.status_code == 404
    client = setup.host.client
    assert client.get(f"{OB}/profile", headers=bearer(tokens["access_token"])).status_code == 200
    mine = setup.browser.post(path, data={"csrf_token": setup.signed.csrf_token})
    assert mine.status_code == 303
    twice = setup.browser.post(path, data={"csrf_token": setup.signed.csrf_token})
    assert twice.status_code == 303  # a repeated post of one's own form changes nothing


def test_the_first_profile_put_fixes_its_id(setup: Setup) -> None:
    """The OB 3.0 certification stores a profile id of its own and reads it back; after that
    the id cannot be swapped (README: PUT keeps the same id)."""
    access = bearer(connect(setup)["access_token"])
    client = setup.host.client
    cert = {"id": "https://1edtech.org/issuers/cert", "type": ["Profile"], "name": "Cert"}
    first = client.put(f"{OB}/profile", json=cert, headers=access)
    assert first.status_code == 200 and first.json() == cert
    assert client.get(f"{OB}/profile", headers=access).json() == cert
    renamed = {**cert, "name": "Cert again"}
    assert client.put(f"{OB}/profile", json=renamed, headers=access).status_code == 200
    swapped = client.put(f"{OB}/profile", json={**cert, "id": "urn:other"}, headers=access)
    assert swapped.status_code == 400 and code_minor(swapped.json()) == "invalid_data"
    assert "cannot be changed" in swapped.json()["imsx_description"]
    assert client.get(f"{OB}/profile", headers=access).json() == renamed
