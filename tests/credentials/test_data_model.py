"""VC Data Model 2.0 MUSTs on what the issuer signs: each violation is a 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Factory

V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(**extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": "did:example:abc", "alumniOf": "Example University"},
    }
    credential.update(extra)
    return credential


SRI = "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW"

REFUSED = [
    ({"termsOfUse": {"id": "https://example.org/tos"}}, "credential.termsOfUse.type"),
    ({"termsOfUse": [{"type": "X"}, {}]}, "credential.termsOfUse[1].type"),
    ({"evidence": [{"id": "https://example.org/ev/1"}]}, "credential.evidence[0].type"),
    ({"refreshService": {"id": "https://example.org/refresh"}}, "credential.refreshService.type"),
    (
        {"credentialSchema": {"id": "https://example.org/schema.json"}},
        "credential.credentialSchema.type",
    ),
    ({"credentialSchema": {"type": "JsonSchema"}}, "credential.credentialSchema.id"),
    ({"relatedResource": {"id": "https://example.org/a"}}, "credential.relatedResource.digestSRI"),
    ({"relatedResource": "https://example.org/a"}, "credential.relatedResource"),
    (
        {
            "relatedResource": [
                {"id": "https://example.org/a", "digestSRI": SRI},
                {"id": "https://example.org/a", "digestSRI": SRI},
            ]
        },
        "credential.relatedResource[1].id",
    ),
    ({"relatedResource": [{"digestSRI": SRI}]}, "credential.relatedResource[0].id"),
    (
        {"credentialSubject": [{"id": "did:example:abc", "alumniOf": "X"}, {}]},
        "credential.credentialSubject[1]",
    ),
    ({"id": "https ://not-a-url/credentials/1"}, "credential.id"),
    ({"id": "not a url"}, "credential.id"),
    (
        {"credentialSubject": {"id": "https ://not-a-url/subjects/1", "alumniOf": "X"}},
        "credential.credentialSubject.id",
    ),
    ({"issuer": None}, "credential.issuer"),
    ({"issuer": {"id": None}}, "credential.issuer.id"),
    ({"issuer": {"name": "Acme"}}, "credential.issuer.id"),
    ({"issuer": "acme"}, "credential.issuer"),
]


@pytest.mark.parametrize(("extra", "field"), REFUSED)
def test_vc2_violation_is_422_naming_the_field(
    factory: Factory, extra: dict[str, Any], field: str
) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/credentials/issue", json={"credential": _credential(**extra)}, headers=caller.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_credential_id_option_must_be_a_url(factory: Factory) -> None:
    caller = factory.caller()
    response = factory.client.post(
        "/credentials/issue",
        json={"credential": _credential(), "options": {"credentialId": "https ://x/1"}},
        headers=caller.headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "options.credentialId"


def test_conforming_optional_properties_are_signed(factory: Factory, session) -> None:
    caller = factory.caller()
    credential = _credential(
        id="https://example.org/credentials/3732",
        termsOfUse={"type": "ExampleTermsOfUse"},
        evidence=[{"id": "https://example.org/evidence/1", "type": ["Evidence"]}],
        refreshService={"id": "https://example.org/refresh/3732", "type": "ExampleRefresh"},
        credentialSchema={"id": "https://example.org/schema.json", "type": "JsonSchema"},
        relatedResource=[
            {"id": "https://example.org/a.png", "digestSRI": SRI},
            {"id": "https://example.org/b.png", "digestMultibase": "uEiBZlVztZpfWHgPyslVv"},
        ],
    )
    signed = factory.issue(caller, credential)
    assert signed["relatedResource"][1]["digestMultibase"].startswith("u")
    assert factory.services.verifier.verify(session, signed).verified
