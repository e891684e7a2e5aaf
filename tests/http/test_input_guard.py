"""Fuzzer findings pinned: a NUL, a lone surrogate or a huge number is a 4xx problem naming the
field, never a 500 (on PostgreSQL a NUL reached a query as a DataError; a lone surrogate broke
the canonicalizer; a huge ``expires_in`` overflowed ``timedelta``; a huge offset overflowed the
database integer)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.http.guard import GuardedRoute
from tests.factories import ApiCaller, Factory, open_badge
from tests.web.helpers import uuid_of

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    return body


def _post_raw(factory: Factory, path: str, text: str, caller: ApiCaller | None = None):  # type: ignore[no-untyped-def]
    """POST JSON text as written (``"\\ud800"`` stays an escape: json.dumps cannot send it)."""
    headers = {"Content-Type": "application/json", **(caller.headers if caller else {})}
    return factory.client.post(path, content=text.encode(), headers=headers)


def _routes(routes: list[Any]) -> list[Any]:
    found: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        found.extend(_routes(inner.routes) if inner is not None else [route])
    return found


def test_every_route_is_guarded(factory: Factory) -> None:
    app = factory.client.app
    assert isinstance(app, FastAPI)
    api_routes = [r for r in _routes(app.routes) if isinstance(r, APIRoute)]
    assert len(api_routes) > 50
    unguarded = [r.path for r in api_routes if not isinstance(r, GuardedRoute)]
    assert unguarded == []


# -- NUL in path, query and form parameters (unauthenticated) ------------------------------


def test_nul_in_a_path_segment(factory: Factory) -> None:
    body = _problem(factory.client.get("/credentials/a%00b"), 422, "uuid")
    assert "NUL" in body["detail"]
    _problem(factory.client.get("/status/x%00"), 422, "public_id")


def test_nul_in_a_query_parameter(factory: Factory) -> None:
    _problem(factory.client.get("/verify", params={"url": "https://a.example/\x00"}), 422, "url")


def test_nul_in_the_token_endpoint_form(factory: Factory) -> None:
    form = {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "s"}
    _problem(factory.client.post("/oauth/token", data=form), 422, "client_id")
    basic = base64.b64encode(b"a\x00b:secret").decode()
    refused = factory.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_nul_in_an_oid4vci_path_is_an_oauth_error(factory: Factory) -> None:
    refused = factory.client.get("/oid4vci/offers/a%00b")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"


# -- bodies ---------------------------------------------------------------------------------


def test_nul_in_a_stored_string(factory: Factory) -> None:
    caller = factory.caller("acme")
    response = _post_raw(factory, "/api/v1/learners", '{"id": "u\\u00001"}', caller)
    _problem(response, 422, "id")
    key = _post_raw(factory, "/api/v1/learners", '{"id": "u1", "x\\u0000": 1}', caller)
    assert "property name" in _problem(key, 422, "body")["detail"]


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000"])
def test_unsignable_text_in_a_credential_to_issue(factory: Factory, escape: str) -> None:
    caller = factory.caller("acme")
    text = json.dumps({"credential": open_badge()}).replace(
        '"name": "Introduction to Cryptography"', f'"name": "x{escape}"', 1
    )
    _problem(_post_raw(factory, "/credentials/issue", text, caller), 422, "credential.name")


@pytest.mark.parametrize("escape", ["\\ud800", "\\u0000"])
def test_unsignable_text_in_a_credential_to_verify(factory: Factory, escape: str) -> None:
    vc = factory.issue(factory.caller("acme"))
    credential = json.dumps(vc).replace(f'"id": "{vc["id"]}"', f'"id": "urn:uuid:x{escape}"', 1)
    text = f'{{"verifiableCredential": {credential}}}'
    _problem(_post_raw(factory, "/credentials/verify", text), 422, "verifiableCredential.id")
    page = factory.client.post("/verify", data={"credential": credential})
    assert page.status_code == 422
    assert "&#34;id&#34;" in page.text or '"id"' in page.text


def test_nul_in_a_jwt_header_is_refused_before_any_key_lookup(factory: Factory) -> None:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    header = {"alg": "EdDSA", "kid": "did:web:laurel.test#k\x00"}
    token = f"{part(header)}.{part({'vc': {}})}.c2ln"
    response = factory.client.post("/credentials/verify", json={"verifiableCredential": token})
    _problem(response, 422, "verifiableCredential.header.kid")


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1" + "0" * 400, "9007199254740992", "-9007199254740993"])
def test_integers_beyond_i_json_are_refused_naming_the_field(factory: Factory, number: str) -> None:
    """10^400 crashed the JSON-LD processor (a 500 on the public verify endpoints); any
    integer beyond 2^53 - 1 is read differently by JavaScript verifiers (RFC 7493 §2.2)."""
    caller = factory.caller("acme")
    vc = factory.issue(caller)
    credential = json.dumps(vc).replace('"type": [', f'"x": {number}, "type": [', 1)
    text = f'{{"verifiableCredential": {credential}}}'
    _problem(_post_raw(factory, "/credentials/verify", text), 422, "verifiableCredential.x")
    presentation = (
        '{"verifiablePresentation": {"@context": ["https://www.w3.org/ns/credentials/v2"], '
        f'"type": ["VerifiablePresentation"], "verifiableCredential": [{credential}]}}}}'
    )
    answer = _post_raw(factory, "/presentations/verify", presentation)
    assert answer.status_code == 422 and "2^53" in answer.json()["detail"], answer.text
    page = factory.client.post("/verify", data={"credential": credential})
    assert page.status_code == 422 and "2^53" in page.text
    unsigned = json.dumps(open_badge()).replace('"type": [', f'"x": {number}, "type": [', 1)
    issued = _post_raw(factory, "/credentials/issue", f'{{"credential": {unsigned}}}', caller)
    _problem(issued, 422, "credential.x")
    assert json.loads("[9007199254740991]") == [2**53 - 1]  # the largest safe one still passes
    safe = json.dumps(open_badge()).replace('"type": [', '"x": 9007199254740991, "type": [', 1)
    kept = _post_raw(factory, "/credentials/issue", f'{{"credential": {safe}}}', caller)
    assert kept.status_code != 500, kept.text


def test_offer_lifetime_is_bounded(factory: Factory) -> None:
    caller = factory.caller("acme")
    uuid = uuid_of(factory.issue(caller))
    path = f"/api/v1/credentials/{uuid}/offers"
    for seconds in (5684855343142634, 2_592_001, 0):
        response = factory.client.post(path, json={"expires_in": seconds}, headers=caller.headers)
        _problem(response, 422, "expires_in")
    ok = factory.client.post(path, json={"expires_in": 2_592_000}, headers=caller.headers)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("path", ["/api/v1/learners", "/api/v1/programs", "/api/v1/audit"])
def test_paging_offset_is_bounded(factory: Factory, path: str) -> None:
    caller = factory.caller("acme")
    huge = factory.client.get(path, params={"offset": 10**30}, headers=caller.headers)
    _problem(huge, 422, "offset")
    assert factory.client.get(path, params={"offset": 10**9}, headers=caller.headers).is_success


DEEP = "[" * 5000 + "]" * 5000


def test_json_nested_too_deeply_is_not_json() -> None:
    """``json.loads`` raises RecursionError (no ValueError) on ``[[[[...]]]]``: every route
    reading its body through ``checked_json`` answered 500."""
    from app.http.guard import checked_json

    with pytest.raises(ValueError, match="nested too deeply"):
        checked_json(DEEP)


def test_json_nested_too_deeply_is_a_4xx_on_a_model_route(factory: Factory) -> None:
    response = _post_raw(factory, "/credentials/verify", DEEP)
    assert response.status_code in (400, 422), response.text
