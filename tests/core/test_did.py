"""did:key, did:jwk, did:web, DID documents and verification method dereferencing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app.core.did.did_jwk import (
    did_jwk_document,
    did_jwk_from_jwk,
    did_jwk_from_public_key,
    jwk_from_did_jwk,
    public_key_from_did_jwk,
)
from app.core.did.did_key import did_key_document, did_key_from_public_key, public_key_from_did_key
from app.core.did.did_web import did_web_for_url, did_web_to_url
from app.core.did.document import (
    PublishedKey,
    build_did_document,
    jwk_from_public_key,
    public_key_from_jwk,
)
from app.core.did.errors import (
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD,
    METHOD_NOT_SUPPORTED,
    NOT_FOUND,
    DIDResolutionError,
    KeyFormatError,
)
from app.core.did.resolution import dereference, resolve_did, resolve_verification_method
from app.core.multiformats import encode_multikey

VECTOR = json.loads(
    (Path(__file__).parents[1] / "vectors" / "vc-di-eddsa_eddsa-rdfc-2022.json").read_text()
)
VECTOR_MB = VECTOR["keyPair"]["publicKeyMultibase"]
VECTOR_DID = f"did:key:{VECTOR_MB}"
#: did:jwk spec, P-256 example.
SPEC_JWK = {
    "crv": "P-256",
    "kty": "EC",
    "x": "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0",
    "y": "_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE",
}
SPEC_DID_JWK = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVV"
    "M3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)
ISSUER = "did:web:laurel.test"


def _raw(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


# --- did:web (did:web §3.1 Create, §3.2 Read) -----------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com%3A8443:path", "https://example.com:8443/path/did.json"),
        ("did:web:example.com#key-1", "https://example.com/.well-known/did.json"),
    ],
)
def test_did_web_to_url_spec_examples(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    ("base", "segments", "did"),
    [
        ("http://127.0.0.1:8000", ["orgs", "acme"], "did:web:127.0.0.1%3A8000:orgs:acme"),
        ("http://127.0.0.1:8000", [], "did:web:127.0.0.1%3A8000"),
        ("https://Laurel.Example/", [], "did:web:laurel.example"),
        ("https://example.com/laurel", ["orgs", "a b"], "did:web:example.com:laurel:orgs:a%20b"),
    ],
)
def test_did_web_for_url(base: str, segments: list[str], did: str) -> None:
    assert did_web_for_url(base, segments) == did


def test_did_web_round_trip_with_http_scheme_for_loopback() -> None:
    did = did_web_for_url("http://127.0.0.1:8000", ["orgs", "acme"])
    assert did_web_to_url(did, scheme="http") == "http://127.0.0.1:8000/orgs/acme/did.json"
    root = did_web_for_url("http://127.0.0.1:8000", [])
    assert did_web_to_url(root, scheme="http") == "http://127.0.0.1:8000/.well-known/did.json"
    with pytest.raises(ValueError):
        did_web_to_url(did, scheme="ftp")


@pytest.mark.parametrize(
    "did", ["did:key:z6Mk", "did:web:", "did:web:exa mple.com", "did:web:example.com::x"]
)
def test_did_web_to_url_rejects_bad_dids(did: str) -> None:
    with pytest.raises(DIDResolutionError):
        did_web_to_url(did)


def test_did_web_for_url_rejects_bad_urls() -> None:
    with pytest.raises(ValueError):
        did_web_for_url("ftp://example.com")
    with pytest.raises(ValueError):
        did_web_for_url("https://example.com", ["..", "x"])
    with pytest.raises(ValueError):
        did_web_for_url("https://example.com?x=1")


# --- did:key (did:key §3.1) -----------------------------------------------------------------


def test_did_key_from_vector_key_verifies_vector_signature() -> None:
    public_key = public_key_from_did_key(VECTOR["signed"]["proof"]["verificationMethod"])
    assert isinstance(public_key, ed25519.Ed25519PublicKey)
    # The spec signed the combined hash with this key (VC-DI-EdDSA §3.2.6).
    public_key.verify(
        bytes.fromhex(VECTOR["signatureHex"]), bytes.fromhex(VECTOR["combinedHashHex"])
    )
    assert did_key_from_public_key(public_key) == VECTOR_DID


def test_did_key_document_for_vector_key() -> None:
    vm_id = f"{VECTOR_DID}#{VECTOR_MB}"
    assert vm_id == VECTOR["signed"]["proof"]["verificationMethod"]
    assert did_key_document(VECTOR_DID) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": VECTOR_DID,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": VECTOR_DID,
                "publicKeyMultibase": VECTOR_MB,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def test_did_key_p256() -> None:
    public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    did = did_key_from_public_key(public_key)
    assert did.startswith("did:key:zDn")
    decoded = public_key_from_did_key(did)
    assert isinstance(decoded, ec.EllipticCurvePublicKey)
    assert decoded.public_numbers() == public_key.public_numbers()


@pytest.mark.parametrize(
    "did_url",
    [
        f"{VECTOR_DID}#z6MkOther",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:z6Mk",
        "did:web:example.com",
    ],
)
def test_did_key_rejects_bad_values(did_url: str) -> None:
    with pytest.raises(DIDResolutionError):
        public_key_from_did_key(did_url)


# --- did:jwk --------------------------------------------------------------------------------


def test_did_jwk_spec_example() -> None:
    assert did_jwk_from_jwk(SPEC_JWK) == SPEC_DID_JWK
    assert jwk_from_did_jwk(SPEC_DID_JWK + "#0") == SPEC_JWK
    document = did_jwk_document(SPEC_DID_JWK)
    vm_id = f"{SPEC_DID_JWK}#0"
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/jwk/v1",
    ]
    assert document["verificationMethod"] == [
        {"id": vm_id, "type": "JsonWebKey", "controller": SPEC_DID_JWK, "publicKeyJwk": SPEC_JWK}
    ]
    for relationship in ("assertionMethod", "authentication", "keyAgreement"):
        assert document[relationship] == [vm_id]


@pytest.mark.parametrize(
    "private_key",
    [
        ed25519.Ed25519PrivateKey.generate(),
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP384R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ],
    ids=["Ed25519", "P-256", "P-384", "RSA"],
)
def test_did_jwk_round_trip(private_key: Any) -> None:
    public_key = private_key.public_key()
    did = did_jwk_from_public_key(public_key)
    decoded = public_key_from_did_jwk(did + "#0")
    assert jwk_from_public_key(decoded) == jwk_from_public_key(public_key)
    method = dereference(did_jwk_document(did), "#0", purpose="assertionMethod")
    assert jwk_from_public_key(method.public_key) == jwk_from_public_key(public_key)


def test_did_jwk_use_sig_has_no_key_agreement_and_private_keys_rejected() -> None:
    did = did_jwk_from_jwk({**SPEC_JWK, "use": "sig"})
    assert "keyAgreement" not in did_jwk_document(did)
    with pytest.raises(KeyFormatError):
        did_jwk_from_jwk({**SPEC_JWK, "d": "secret"})
    with pytest.raises(DIDResolutionError):
        did_jwk_document("did:jwk:bm90LWpzb24")
    with pytest.raises(DIDResolutionError):
        did_jwk_document(SPEC_DID_JWK + "#1")


# --- JWKs -----------------------------------------------------------------------------------


def test_jwk_from_public_key_shapes() -> None:
    ed = jwk_from_public_key(ed25519.Ed25519PrivateKey.generate().public_key(), kid="k1")
    assert set(ed) == {"kty", "crv", "x", "kid"} and ed["kty"] == "OKP"
    p256 = jwk_from_public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    assert set(p256) == {"kty", "crv", "x", "y"} and len(p256["x"]) == len(p256["y"]) == 43
    rsa_jwk = jwk_from_public_key(rsa.generate_private_key(65537, 2048).public_key())
    assert set(rsa_jwk) == {"kty", "n", "e"} and rsa_jwk["e"] == "AQAB"
    for jwk in (ed, p256, rsa_jwk):
        assert jwk_from_public_key(public_key_from_jwk(jwk), kid=jwk.get("kid")) == jwk


@pytest.mark.parametrize(
    "jwk",
    [
        {**SPEC_JWK, "d": "x"},
        {**SPEC_JWK, "y": SPEC_JWK["x"]},  # not on the curve
        {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        {"kty": "oct", "k": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
    ],
)
def test_public_key_from_jwk_rejects(jwk: dict[str, str]) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_jwk(jwk)


# --- DID documents (CID §2.2) ---------------------------------------------------------------


def test_build_did_document_multikey_only() -> None:
    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    document = build_did_document(
        ISSUER,
        [
            PublishedKey("key-1", ed),
            PublishedKey("#key-2", p256, ("assertionMethod",)),
        ],
    )
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["id"] == ISSUER
    assert document["verificationMethod"] == [
        {
            "id": f"{ISSUER}#key-1",
            "type": "Multikey",
            "controller": ISSUER,
            "publicKeyMultibase": encode_multikey(ed),
        },
        {
            "id": f"{ISSUER}#key-2",
            "type": "Multikey",
            "controller": ISSUER,
            "publicKeyMultibase": encode_multikey(p256),
        },
    ]
    assert document["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")
    assert document["verificationMethod"][1]["publicKeyMultibase"].startswith("zDn")
    assert document["assertionMethod"] == [f"{ISSUER}#key-1", f"{ISSUER}#key-2"]
    assert document["authentication"] == [f"{ISSUER}#key-1"]
    assert "keyAgreement" not in document


def test_build_did_document_rsa_is_json_web_key() -> None:
    rsa_key = rsa.generate_private_key(65537, 2048).public_key()
    document = build_did_document(ISSUER, [PublishedKey("rsa", rsa_key)])
    assert document["@context"][-1] == "https://w3id.org/security/jwk/v1"
    method = document["verificationMethod"][0]
    assert method["type"] == "JsonWebKey" and method["publicKeyJwk"]["kty"] == "RSA"
    assert "d" not in method["publicKeyJwk"]
    resolved = dereference(document, f"{ISSUER}#rsa", purpose="assertionMethod")
    assert resolved.public_key.public_numbers() == rsa_key.public_numbers()


def test_build_did_document_rejects_duplicates_and_unknown_purposes() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ValueError, match="twice"):
        build_did_document(ISSUER, [PublishedKey("a", key), PublishedKey("a", key)])
    with pytest.raises(ValueError, match="relationship"):
        build_did_document(ISSUER, [PublishedKey("a", key, ("signing",))])


# --- dereferencing (CID 1.0 §3.3) -----------------------------------------------------------


@pytest.fixture
def issuer_document() -> dict[str, Any]:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return build_did_document(ISSUER, [PublishedKey("key-1", key)])


def test_dereference_absolute_and_relative(issuer_document: dict[str, Any]) -> None:
    absolute = dereference(issuer_document, f"{ISSUER}#key-1", purpose="assertionMethod")
    relative = dereference(issuer_document, "#key-1")
    assert absolute == relative
    assert absolute.id == f"{ISSUER}#key-1" and absolute.type == "Multikey"
    assert absolute.controller == ISSUER
    assert absolute.purposes == ("authentication", "assertionMethod")
    assert (
        absolute.public_key_multibase
        == issuer_document["verificationMethod"][0]["publicKeyMultibase"]
    )


def test_dereference_wrong_controller(issuer_document: dict[str, Any]) -> None:
    issuer_document["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    with pytest.raises(DIDResolutionError, match="controller") as info:
        dereference(issuer_document, f"{ISSUER}#key-1")
    assert info.value.code == INVALID_VERIFICATION_METHOD


def test_dereference_errors(issuer_document: dict[str, Any]) -> None:
    with pytest.raises(DIDResolutionError) as info:
        dereference(issuer_document, f"{ISSUER}#key-1", purpose="capabilityInvocation")
    assert info.value.code == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    with pytest.raises(DIDResolutionError) as info:
        dereference(issuer_document, f"{ISSUER}#missing")
    assert info.value.code == INVALID_VERIFICATION_METHOD
    with pytest.raises(DIDResolutionError) as info:
        dereference(issuer_document, "did:web:other.example#key-1")
    assert info.value.code == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID
    unsupported = copy.deepcopy(issuer_document)
    unsupported["verificationMethod"][0]["type"] = "EcdsaSecp256k1VerificationKey2019"
    with pytest.raises(DIDResolutionError, match="unsupported type"):
        dereference(unsupported, "#key-1")
    bad_key = copy.deepcopy(issuer_document)
    bad_key["verificationMethod"][0]["publicKeyMultibase"] = "zNotAKey"
    with pytest.raises(DIDResolutionError, match="unusable key"):
        dereference(bad_key, "#key-1")


def test_dereference_embedded_and_legacy_2020_methods() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": "did:example:123",
        "assertionMethod": [
            {
                "id": "#k",
                "type": "Ed25519VerificationKey2020",
                "controller": "did:example:123",
                "publicKeyMultibase": VECTOR_MB,
            }
        ],
    }
    method = dereference(document, "did:example:123#k", purpose="assertionMethod")
    assert method.type == "Ed25519VerificationKey2020"
    assert method.purposes == ("assertionMethod",)
    assert _raw(method.public_key) == _raw(public_key_from_did_key(VECTOR_DID))


# --- resolution -----------------------------------------------------------------------------


def test_resolve_did_key_and_jwk_locally() -> None:
    assert resolve_did(f"{VECTOR_DID}#{VECTOR_MB}") == did_key_document(VECTOR_DID)
    assert resolve_did(SPEC_DID_JWK) == did_jwk_document(SPEC_DID_JWK)
    method = resolve_verification_method(
        VECTOR["signed"]["proof"]["verificationMethod"], purpose="assertionMethod"
    )
    assert method.controller == VECTOR_DID


def test_resolve_did_web_uses_fetcher(issuer_document: dict[str, Any]) -> None:
    calls: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        return issuer_document

    method = resolve_verification_method(f"{ISSUER}#key-1", fetch, purpose="assertionMethod")
    assert calls == ["https://laurel.test/.well-known/did.json"]
    assert method.id == f"{ISSUER}#key-1"


def test_resolve_did_web_document_id_must_match(issuer_document: dict[str, Any]) -> None:
    with pytest.raises(DIDResolutionError) as info:
        resolve_did("did:web:other.example", lambda url: issuer_document)
    assert info.value.code == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID


def test_resolve_did_web_fetch_failure_and_unsupported_methods() -> None:
    def failing(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    with pytest.raises(DIDResolutionError, match="connection refused") as info:
        resolve_did(ISSUER, failing)
    assert info.value.code == NOT_FOUND
    with pytest.raises(DIDResolutionError) as info:
        resolve_did(ISSUER)
    assert info.value.code == NOT_FOUND
    with pytest.raises(DIDResolutionError) as info:
        resolve_did("did:example:123")
    assert info.value.code == METHOD_NOT_SUPPORTED
    with pytest.raises(DIDResolutionError):
        resolve_did("not-a-did")
