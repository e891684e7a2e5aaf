"""`laurel clients disable|enable|revoke-tokens|delete|list`: cutting off an LMS, at once."""

from __future__ import annotations

import json

from sqlmodel import Session

from app.issuers.clients import client_by_id, issue_token, set_disabled
from tests.cli.conftest import Laurel
from tests.factories import ApiCaller, Factory


def _token(factory: Factory, caller: ApiCaller) -> int:
    response = factory.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(caller.client_id, caller.secret),
    )
    return response.status_code


def _use(factory: Factory, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return factory.client.get("/api/v1/keys", headers=headers).status_code


def test_disable_refuses_tokens_old_and_new_until_enabled(laurel: Laurel, factory: Factory) -> None:
    lms = factory.caller("acme")
    assert _use(factory, lms.token) == 200

    disabled = laurel("clients", "disable", "--client-id", lms.client_id)
    assert disabled.exit_code == 0, disabled.output
    assert disabled.stdout == f"disabled client {lms.client_id}; revoked 1 token(s)\n"
    assert _use(factory, lms.token) == 401
    assert _token(factory, lms) == 401

    enabled = laurel("clients", "enable", "--client-id", lms.client_id)
    assert enabled.exit_code == 0, enabled.output
    assert _use(factory, lms.token) == 401  # revoked for good, not merely suspended
    assert _token(factory, lms) == 200


def test_a_token_issued_in_a_race_with_disable_is_refused(factory: Factory) -> None:
    """The token lookup checks the client too: a token minted as it was disabled is useless."""
    lms = factory.caller("acme")
    with Session(factory.services.engine, expire_on_commit=False) as session:
        client = client_by_id(session, lms.client_id)
        set_disabled(session, client, True)
        late = issue_token(session, client, None, 300)  # commits the flag and the token
    assert _use(factory, late.access_token) == 401


def test_revoke_tokens_keeps_the_client(laurel: Laurel, factory: Factory) -> None:
    lms = factory.caller("acme")
    revoked = laurel("clients", "revoke-tokens", "--client-id", lms.client_id)
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout == f"revoked 1 token(s) of client {lms.client_id}\n"
    assert _use(factory, lms.token) == 401
    assert _token(factory, lms) == 200


def test_delete_asks_then_removes_client_and_tokens(laurel: Laurel, factory: Factory) -> None:
    lms = factory.caller("acme")
    other = factory.caller("acme")
    declined = laurel("clients", "delete", "--client-id", lms.client_id, input="n\n")
    assert declined.exit_code == 1 and _use(factory, lms.token) == 200

    deleted = laurel("clients", "delete", "--client-id", lms.client_id, "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout == f"deleted client {lms.client_id}; revoked 1 token(s)\n"
    assert _use(factory, lms.token) == 401 and _token(factory, lms) == 401
    assert _use(factory, other.token) == 200

    rows = json.loads(laurel("clients", "list", "--org", "acme", "--json").stdout)
    assert [r["client_id"] for r in rows] == [other.client_id]
    assert rows[0]["status"] == "enabled" and "secret" not in json.dumps(rows)


def test_unknown_client_is_one_line_and_exit_1(laurel: Laurel, factory: Factory) -> None:
    factory.org("acme")
    for command in (["disable"], ["enable"], ["revoke-tokens"], ["delete", "--yes"]):
        result = laurel("clients", *command, "--client-id", "nope")
        assert result.exit_code == 1, command
        assert result.stderr == 'error: no client "nope"\n'
