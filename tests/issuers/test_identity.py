"""DID documents and JWKS: what other people's verifiers fetch."""

from __future__ import annotations

from tests.factories import Factory

CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def test_org_did_document_lists_multikey_with_absolute_ids(factory: Factory) -> None:
    factory.org("acme")
    response = factory.client.get("/orgs/acme/did.json")
    assert response.status_code == 200
    doc = response.json()
    did = "did:web:laurel.test:orgs:acme"
    assert doc["id"] == did
    assert doc["@context"] == CONTEXT
    [vm] = doc["verificationMethod"]
    assert vm["type"] == "Multikey"
    assert vm["controller"] == did
    assert vm["id"].startswith(did + "#")
    assert vm["publicKeyMultibase"].startswith("z6Mk")
    assert doc["assertionMethod"] == [vm["id"]]
    assert "private" not in response.text.lower()
    assert '"d"' not in response.text


def test_instance_did_document(factory: Factory) -> None:
    doc = factory.client.get("/.well-known/did.json").json()
    assert doc["id"] == "did:web:laurel.test"
    assert doc["verificationMethod"][0]["controller"] == "did:web:laurel.test"


def test_jwks_publishes_public_keys_only(factory: Factory) -> None:
    factory.org("acme")
    response = factory.client.get("/.well-known/jwks.json")
    keys = response.json()["keys"]
    assert len(keys) == 2  # instance + acme
    for jwk in keys:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
        assert "d" not in jwk
        assert jwk["kid"]


def test_unknown_org_did_is_404(factory: Factory) -> None:
    assert factory.client.get("/orgs/nope/did.json").status_code == 404


def test_verification_method_resolves_in_did_document(factory: Factory) -> None:
    vc = factory.issue(factory.caller())
    doc = factory.client.get("/orgs/acme/did.json").json()
    assert vc["proof"]["verificationMethod"] in doc["assertionMethod"]
