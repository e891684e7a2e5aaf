"""POST /credentials/verify (VC-API) and the /verify page, over HTTP."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import vc_api, verify
from app.container import Services
from tests.factories import Factory
from tests.verification.harness import RemoteIssuer


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.fixture
def vc(factory: Factory) -> dict[str, Any]:
    return factory.issue(factory.caller())


def test_answer_shapes(app_client: TestClient, vc: dict[str, Any]) -> None:
    body = app_client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
    assert set(body) == {"verified", "checks", "warnings", "errors", "problemDetails", "results"}
    assert body["verified"] is True and body["errors"] == [] and body["problemDetails"] == []

    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["achievement"]["name"] = "Quantum Cryptography"
    answer = app_client.post(
        "/credentials/verify", json={"verifiableCredential": forged, "options": {}}
    )
    assert answer.status_code == 400  # the VC-API suites' answer; the report is the body
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["verified"] is False
    assert body["errors"] == [
        {
            "check": "proof",
            "passed": False,
            "message": body["errors"][0]["message"],
            "code": "PROOF_VERIFICATION_ERROR",
        }
    ]
    assert body["problemDetails"][0]["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR"
    assert body["problemDetails"][0]["detail"].startswith("the eddsa-rdfc-2022 signature")


def test_verify_route_moved_here(app_client: TestClient) -> None:
    assert not any(getattr(r, "path", "") == "/credentials/verify" for r in vc_api.router.routes)
    assert any(getattr(r, "path", "") == "/credentials/verify" for r in verify.router.routes)
    spec = app_client.get("/openapi.json").json()
    request = spec["paths"]["/credentials/verify"]["post"]["requestBody"]
    assert "verifiableCredential" in request["content"]["application/json"]["schema"]["required"]
    responses = spec["paths"]["/credentials/verify"]["post"]["responses"]
    not_verified = responses["400"]["content"]["application/json"]["schema"]["$ref"]
    assert not_verified == responses["200"]["content"]["application/json"]["schema"]["$ref"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "verifiableCredential"),
        ({"verifiableCredential": 7}, 422, "verifiableCredential"),
        ({"verifiableCredential": {}, "options": []}, 422, "options"),
        ({"verifiableCredential": "not a jws"}, 422, "verifiableCredential"),
        (
            {"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": "x"}},
            422,
            "verifiableCredential.id",
        ),
        ([], 422, "body"),
    ],
)
def test_bad_request_shapes(app_client: TestClient, body: Any, status: int, field: str) -> None:
    answer = app_client.post("/credentials/verify", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == field


def test_not_json(app_client: TestClient) -> None:
    answer = app_client.post(
        "/credentials/verify", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["detail"]


def test_one_megabyte_is_refused_quickly(app_client: TestClient, vc: dict[str, Any]) -> None:
    big = copy.deepcopy(vc)
    big["description"] = "x" * 1_048_576
    started = time.monotonic()
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": big})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert "1000000 bytes" in answer.json()["detail"]

    def chunks() -> Any:  # no Content-Length: counted while reading
        yield b'{"verifiableCredential": "'
        for _ in range(1100):
            yield b"y" * 1000
        yield b'"}'

    answer = app_client.post(
        "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_nesting_is_refused(app_client: TestClient, depth: int) -> None:
    started = time.monotonic()
    body = '{"verifiableCredential": ' + "[" * depth + "]" * depth + "}"
    answer = app_client.post(
        "/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert "levels deep" in answer.json()["detail"]
    assert answer.json()["field"] in ("verifiableCredential", "body")
    nested = app_client.post("/credentials/verify", json={"verifiableCredential": _nested(100)})
    assert nested.status_code == 422
    assert time.monotonic() - started < 5


def test_invalid_shapes_are_answers(app_client: TestClient) -> None:
    fine_depth = _nested(20)
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": fine_depth})
    assert answer.status_code == 400
    body = answer.json()
    assert body["verified"] is False
    assert {e["check"] for e in body["errors"]} >= {"data_model", "proof"}


# -- the page ---------------------------------------------------------------------------


def test_page_form(app_client: TestClient) -> None:
    page = app_client.get("/verify")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    html = page.text
    for needle in ('name="credential"', 'type="file"', 'name="url"', "<label", "<main"):
        assert needle in html
    assert "<script" not in html


def test_page_paste_upload_and_tampered(app_client: TestClient, vc: dict[str, Any]) -> None:
    pasted = app_client.post("/verify", data={"credential": json.dumps(vc)})
    assert pasted.status_code == 200
    assert "Signed by its issuer, unchanged since, and not revoked." in pasted.text
    assert "Signature" in pasted.text and "Revocation" in pasted.text

    files = {"file": ("badge.json", json.dumps(vc).encode(), "application/json")}
    uploaded = app_client.post("/verify", files=files, data={"credential": ""})
    assert "Signed by its issuer, unchanged since, and not revoked." in uploaded.text

    forged = copy.deepcopy(vc)
    forged["name"] = "<script>alert(1)</script>"
    answer = app_client.post("/verify", data={"credential": json.dumps(forged)})
    assert answer.status_code == 200
    assert "Changed after it was issued" in answer.text
    assert "<script>alert(1)</script>" not in answer.text  # escaped
    assert "PROOF_VERIFICATION_ERROR" in answer.text


def test_page_share_links(
    app_client: TestClient,
    vc: dict[str, Any],
    services: Services,
    remote: RemoteIssuer,
    verifier_services: Services,
) -> None:
    uuid = vc["id"].removeprefix("urn:uuid:")
    own = app_client.get(
        "/verify", params={"url": f"{services.identity.base_url}/credentials/{uuid}"}
    )
    assert "Signed by its issuer, unchanged since, and not revoked." in own.text

    remote_url = remote.server.json("/badges/1", remote.sign(remote.badge()))
    answer = app_client.post("/verify", data={"url": remote_url})
    assert "Signed by its issuer, unchanged since, and not revoked." in answer.text

    refused = app_client.post("/verify", data={"url": "https://169.254.169.254/latest/"})
    assert refused.status_code == 422
    assert "non-public address" in refused.text


def test_page_errors(app_client: TestClient) -> None:
    empty = app_client.post("/verify", data={"credential": "  "})
    assert empty.status_code == 422 and "Give a link to a credential" in empty.text
    bad = app_client.post("/verify", data={"credential": "{not json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.text
    big = app_client.post("/verify", files={"file": ("big.json", b"{" + b" " * 1_200_000 + b"}")})
    assert big.status_code == 413 and "kB" in big.text
