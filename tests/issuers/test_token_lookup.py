"""Bearer tokens are read on every call, never cached per worker (issue 13): a token revoked
by another process is refused by the very next request, also on the issuing hot path."""

from __future__ import annotations

from app.config import Settings
from tests.credentials.test_signing_context_cache import other_process
from tests.factories import Factory, open_badge


def _issue(factory: Factory, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"credential": open_badge()}
    return factory.client.post("/credentials/issue", json=body, headers=headers).status_code


def test_a_token_revoked_in_another_process_is_refused_next(
    factory: Factory, settings: Settings
) -> None:
    lms = factory.caller("acme")
    assert _issue(factory, lms.token) == 201
    assert _issue(factory, lms.token) == 201
    other_process(settings, "clients", "revoke-tokens", "--client-id", lms.client_id)
    assert _issue(factory, lms.token) == 401


def test_a_client_disabled_in_another_process_is_refused_next(
    factory: Factory, settings: Settings
) -> None:
    lms = factory.caller("acme")
    assert _issue(factory, lms.token) == 201
    other_process(settings, "clients", "disable", "--client-id", lms.client_id)
    assert _issue(factory, lms.token) == 401
