"""Bearer tokens are read on every call, never cached per worker (issue 13): a token revoked
by another process is refused by the very next request, also on the issuing hot path."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

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


def test_the_callers_organization_is_read_with_its_token_in_one_statement(
    factory: Factory,
) -> None:
    """The token's statement reads its organization too (its key version decides whether a
    worker's signing context is current): no second read of it on the issuing path."""
    lms = factory.caller("acme")
    assert _issue(factory, lms.token) == 201  # warm: keys, status list
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(factory.services.engine, "before_cursor_execute", seen)
    try:
        assert _issue(factory, lms.token) == 201
    finally:
        event.remove(factory.services.engine, "before_cursor_execute", seen)
    reading_orgs = [s for s in statements if "FROM organizations" in s or "JOIN organizations" in s]
    assert len(reading_orgs) == 1 and "access_tokens" in reading_orgs[0], statements
