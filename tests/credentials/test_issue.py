"""POST /credentials/issue and GET /credentials/{uuid} (VC-API), end to end."""

from __future__ import annotations

import json

import pytest

from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA
from tests.factories import Factory, open_badge


def test_issue_open_badge_signed_stored_and_valid(factory: Factory) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    did = "did:web:laurel.test:orgs:acme"
    assert vc["issuer"]["id"] == did
    assert vc["issuer"]["type"] == ["Profile"]
    assert vc["id"].startswith("urn:uuid:")
    assert vc["validFrom"].endswith("Z")
    proof = vc["proof"]
    assert isinstance(proof, dict)  # a single object, as the VC-API test suite expects
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith(did + "#")
    assert proof["proofValue"].startswith("z")
    assert not factory.services.schemas.errors(OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, vc)


def test_issued_credential_verifies_with_our_verifier(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    report = factory.services.verifier.verify(session, vc)
    assert report.verified, report.to_json()
    names = {c.name for c in report.checks}
    assert {"proof", "issuer", "validity", "schema"} <= names


def test_get_returns_exact_stored_bytes(factory: Factory) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/credentials/issue", json={"credential": open_badge()}, headers=caller.headers
    )
    vc = response.json()["verifiableCredential"]
    uuid = vc["id"].removeprefix("urn:uuid:")
    assert response.headers["location"] == f"https://laurel.test/credentials/{uuid}"
    fetched = factory.client.get(f"/credentials/{uuid}")
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("application/vc+ld+json")
    assert json.loads(fetched.content) == vc
    again = factory.client.get(f"/credentials/{uuid}")
    assert again.content == fetched.content


def test_unknown_credential_is_404_problem(factory: Factory) -> None:
    response = factory.client.get("/credentials/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_generic_vc2_and_vc11_credentials_are_signed(factory: Factory, session) -> None:
    caller = factory.caller()
    v2 = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": "did:example:abc", "alumniOf": "Example University"},
    }
    signed = factory.issue(caller, v2)
    assert signed["issuer"] == "did:web:laurel.test:orgs:acme"
    assert factory.services.verifier.verify(session, signed).verified
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:laurel.test:orgs:acme",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc"},
    }
    signed1 = factory.issue(caller, v1)
    assert "https://w3id.org/security/data-integrity/v2" in signed1["@context"]
    assert signed1["credentialStatus"][0]["type"] == "StatusList2021Entry"
    assert factory.services.verifier.verify(session, signed1).verified


def test_credential_naming_another_issuer_is_refused(factory: Factory) -> None:
    caller = factory.caller()
    factory.org("other")
    credential = open_badge()
    credential["issuer"] = {"id": "did:web:laurel.test:orgs:other", "type": ["Profile"]}
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "credential.issuer"
    assert "did:web:laurel.test:orgs:other" in body["detail"]


def test_undefined_term_is_refused_naming_it(factory: Factory) -> None:
    caller = factory.caller()
    credential = open_badge()
    credential["credentialSubject"]["favouriteColour"] = "teal"
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 422
    assert "favouriteColour" in response.json()["detail"]


def test_unpinned_context_is_refused_without_network(factory: Factory) -> None:
    caller = factory.caller()
    credential = open_badge()
    credential["@context"].append("https://example.org/my-context.jsonld")
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 422
    assert "https://example.org/my-context.jsonld" in response.json()["detail"]


def test_schema_violation_is_refused_naming_the_field(factory: Factory) -> None:
    caller = factory.caller()
    credential = open_badge()
    del credential["credentialSubject"]["achievement"]["criteria"]
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 422
    assert "criteria" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credential": {"type": ["VerifiableCredential"]}}, "credential.@context"),
        ({"credential": {"@context": ["https://example.org"]}}, "credential.@context"),
        (
            {
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["Foo"],
                    "credentialSubject": {"id": "x"},
                }
            },
            "credential.type",
        ),
        (
            {
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                }
            },
            "credential.credentialSubject",
        ),
        ({"credential": "nope"}, "credential"),
        ({}, "credential"),
        (
            {
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                    "credentialSubject": {"id": "x"},
                    "validFrom": "yesterday",
                }
            },
            "credential.validFrom",
        ),
    ],
)
def test_malformed_input_is_422_problem_never_401_or_500(factory: Factory, body, field) -> None:
    caller = factory.caller()
    response = factory.client.post("/credentials/issue", json=body, headers=caller.headers)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"credential": {',
        b'{"credential": "\xff\xfe"}',  # not UTF-8
        b"[" * 5000 + b"]" * 5000,  # past the parser's depth
        b'{"credential": ' + b"9" * 5000 + b"}",  # a number too long to convert
    ],
)
def test_invalid_json_is_400_naming_the_body(factory: Factory, raw: bytes) -> None:
    """Whatever part of parsing gave up, the problem names the body (never a character
    offset as the field, never FastAPI's bare answer)."""
    caller = factory.caller()
    response = factory.client.post(
        "/credentials/issue",
        content=raw,
        headers={**caller.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == "body" and problem["type"].endswith("malformed-json"), problem


def test_duplicate_credential_id_is_conflict(factory: Factory) -> None:
    caller = factory.caller()
    credential = open_badge()
    credential["id"] = "urn:uuid:6f1c0b1e-7d4c-4d77-9a43-2d0c2c8f7e10"
    factory.issue(caller, credential)
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 409


@pytest.mark.parametrize("name", ["validFrom", "awardedDate"])
def test_a_date_too_long_to_store_is_a_422_naming_it(factory: Factory, name: str) -> None:
    """A valid xsd:dateTime may carry any number of fractional digits; the stored award date
    has 40 characters: refused by name, never a database error (a 500 on PostgreSQL)."""
    caller = factory.caller()
    credential = open_badge()
    credential[name] = "2024-01-01T00:00:00." + "0" * 40 + "Z"
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == f"credential.{name}"


def test_the_same_urn_uuid_in_another_case_is_the_same_credential(factory: Factory) -> None:
    """RFC 4122 §3: "URN:UUID:" and upper-case digits name the same uuid: refused as taken."""
    caller = factory.caller()
    credential = open_badge()
    credential["id"] = "urn:uuid:6f1c0b1e-7d4c-4d77-9a43-2d0c2c8f7e10"
    factory.issue(caller, credential)
    credential["id"] = "URN:UUID:6F1C0B1E-7D4C-4D77-9A43-2D0C2C8F7E10"
    response = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "credential.id"


def test_a_retried_issue_with_an_idempotency_key_signs_once(factory: Factory) -> None:
    """An LMS that retries POST /credentials/issue (10 racing copies) gets one credential."""
    from concurrent.futures import ThreadPoolExecutor

    caller = factory.caller()
    headers = {**caller.headers, "Idempotency-Key": "issue-retry-1"}
    body = {"credential": open_badge()}

    def post(_: int) -> tuple[int, str]:
        answer = factory.client.post("/credentials/issue", json=body, headers=headers)
        return answer.status_code, answer.json()["verifiableCredential"]["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(post, range(10)))
    assert {status for status, _ in results} == {201}, results
    assert len({credential_id for _, credential_id in results}) == 1
    other = factory.client.post(
        "/credentials/issue", json={"credential": open_badge("Other")}, headers=headers
    )
    assert other.status_code == 409, other.text
