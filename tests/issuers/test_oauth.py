"""POST /oauth/token: client credentials with HTTP Basic, scopes, and failures."""

from __future__ import annotations

from tests.factories import Factory


def test_token_with_basic_auth_grants_every_scope_by_default(factory: Factory) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(caller.client_id, caller.secret),
    )
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert "credentials:issue" in body["scope"].split()
    assert response.headers["cache-control"] == "no-store"


def test_wrong_secret_is_invalid_client(factory: Factory) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(caller.client_id, caller.secret + "x"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unsupported_grant_type(factory: Factory) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/oauth/token", data={"grant_type": "password"}, auth=(caller.client_id, caller.secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_scope_beyond_grant_is_refused(factory: Factory) -> None:
    caller = factory.caller(scopes=["credentials:read"])
    response = factory.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "credentials:issue"},
        auth=(caller.client_id, caller.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_token_without_issue_scope_cannot_issue(factory: Factory) -> None:
    caller = factory.caller(scopes=["credentials:read"])
    response = factory.client.post(
        "/credentials/issue", json={"credential": {}}, headers=caller.headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_missing_or_bad_token_is_401_problem(factory: Factory) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = factory.client.post(
            "/credentials/issue", json={"credential": {}}, headers=headers
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
