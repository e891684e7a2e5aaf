"""POST /presentations/verify (VC-API): the holder's proof, challenge and domain, each
credential inside checked as /credentials/verify checks it; JSON-LD, JWT and enveloped forms."""

from __future__ import annotations

import copy
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi.testclient import TestClient

from app.core.did.did_jwk import did_jwk_from_public_key
from app.core.did.document import jwk_from_public_key
from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer
from app.core.vocabulary import VC_V1, VC_V2
from tests.factories import Factory
from tests.verification.test_conformance import alumni, did_key_vm, envelope, vc_jwt

CHALLENGE = "c0ae1c8e-c7e7-469f-b252-86e6a0e7387e"
DOMAIN = "https://verifier.example"


class Holder:
    """A wallet with an Ed25519 did:key, presenting for ``authentication``."""

    def __init__(self, engine: DataIntegrityEngine) -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.did, vm = did_key_vm(self.key)
        self.signer = Ed25519Signer(self.key, vm)
        self.engine = engine

    def presentation(self, *credentials: Any, context: str = VC_V2) -> dict[str, Any]:
        return {
            "@context": [context],
            "type": ["VerifiablePresentation"],
            "holder": self.did,
            "verifiableCredential": list(credentials),
        }

    def sign(
        self,
        presentation: dict[str, Any],
        *,
        suite: str = "eddsa-rdfc-2022",
        purpose: str = "authentication",
        challenge: str | None = CHALLENGE,
        domain: str | None = DOMAIN,
    ) -> dict[str, Any]:
        options = ProofOptions(
            self.signer.verification_method,
            proof_purpose=purpose,
            challenge=challenge,
            domain=domain,
        )
        return self.engine.add_proof(presentation, SUITES[suite], self.signer, options)


@pytest.fixture
def holder(signing_engine: DataIntegrityEngine) -> Holder:
    return Holder(signing_engine)


@pytest.fixture
def vc(factory: Factory) -> dict[str, Any]:
    return factory.issue(factory.caller())


def _post(client: TestClient, vp: Any, **options: Any) -> Any:
    return client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": options}
    )


def _failed(body: dict[str, Any]) -> dict[str, str]:
    return {e["check"]: e.get("code") for e in body["errors"]}


def test_presentation_with_our_credential_verifies(
    app_client: TestClient, holder: Holder, vc: dict[str, Any]
) -> None:
    vp = holder.sign(holder.presentation(vc))
    answer = _post(app_client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True and body["errors"] == []
    assert body["presentationResult"]["verified"] is True
    [result] = body["credentialResults"]
    assert result["verified"] is True and result["credentialId"] == vc["id"]
    assert body["results"]["challenge"] == {"input": CHALLENGE, "valid": True}
    assert body["results"]["domain"] == {"input": DOMAIN, "valid": True}
    assert body["results"]["holder"] == {"input": holder.did, "valid": True}
    assert body["results"]["format"] == "ldp_vp"
    # no options: challenge and domain are not asked for
    assert _post(app_client, vp).status_code == 200


def test_challenge_domain_and_purpose_are_checked(
    app_client: TestClient, holder: Holder, vc: dict[str, Any]
) -> None:
    vp = holder.sign(holder.presentation(vc))
    wrong = _post(app_client, vp, challenge="another", domain=DOMAIN)
    assert wrong.status_code == 400
    body = wrong.json()
    assert _failed(body) == {"proof": "INVALID_CHALLENGE_ERROR"}
    assert body["results"]["challenge"] == {"input": "another", "valid": False}
    assert body["credentialResults"][0]["verified"] is True  # the credential itself is fine
    other_domain = _post(app_client, vp, challenge=CHALLENGE, domain="https://evil.example")
    assert _failed(other_domain.json()) == {"proof": "INVALID_DOMAIN_ERROR"}
    unbound = holder.sign(holder.presentation(vc), challenge=None)
    assert _failed(_post(app_client, unbound, challenge=CHALLENGE).json()) == {
        "proof": "INVALID_CHALLENGE_ERROR"
    }

    asserted = holder.sign(holder.presentation(vc), purpose="assertionMethod")
    answer = _post(app_client, asserted, challenge=CHALLENGE)
    assert answer.status_code == 400
    assert _failed(answer.json()) == {"proof": "PROOF_VERIFICATION_ERROR"}

    unsigned = _post(app_client, holder.presentation(vc))
    assert unsigned.status_code == 400
    assert _failed(unsigned.json()) == {"proof": "PROOF_MISSING"}


def test_each_credential_is_checked_and_the_holder_must_sign(
    app_client: TestClient, holder: Holder, vc: dict[str, Any]
) -> None:
    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["achievement"]["name"] = "Quantum Cryptography"
    vp = holder.sign(holder.presentation(vc, forged))  # the holder's proof is fine
    answer = _post(app_client, vp, challenge=CHALLENGE)
    assert answer.status_code == 400
    body = answer.json()
    assert body["presentationResult"]["verified"] is True
    assert [r["verified"] for r in body["credentialResults"]] == [True, False]
    assert _failed(body) == {"credential": "PROOF_VERIFICATION_ERROR"}
    assert _failed(body["credentialResults"][1]) == {"proof": "PROOF_VERIFICATION_ERROR"}

    presentation = holder.presentation(vc)
    presentation["holder"] = "did:example:someone-else"
    answer = _post(app_client, holder.sign(presentation))
    assert answer.status_code == 400
    assert _failed(answer.json()) == {"holder": "HOLDER_MISMATCH"}

    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"] = [vc]  # a credential removed after signing
    assert _failed(_post(app_client, tampered).json()) == {"proof": "PROOF_VERIFICATION_ERROR"}


def test_vc_1_1_presentation_with_a_legacy_proof(
    app_client: TestClient, holder: Holder, signing_engine: DataIntegrityEngine
) -> None:
    issuer_key = ed25519.Ed25519PrivateKey.generate()
    issuer_did, issuer_vm = did_key_vm(issuer_key)
    credential = {
        "@context": [VC_V1],
        "id": "urn:uuid:2f7b2a0e-6a4c-4f4e-9b1c-0e0f1a2b3c4d",
        "type": ["VerifiableCredential"],
        "issuer": issuer_did,
        "issuanceDate": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": holder.did},
    }
    signed = signing_engine.add_proof(
        credential,
        SUITES["Ed25519Signature2020"],
        Ed25519Signer(issuer_key, issuer_vm),
        ProofOptions(issuer_vm),
    )
    vp = holder.sign(holder.presentation(signed, context=VC_V1), suite="Ed25519Signature2020")
    answer = _post(app_client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert answer.status_code == 200, answer.text
    assert answer.json()["presentationResult"]["results"]["dataModel"] == "1.1"


def _vp_jwt(key: ed25519.Ed25519PrivateKey, payload: dict[str, Any], typ: str) -> str:
    header = {"typ": typ, "jwk": jwk_from_public_key(key.public_key())}
    return jwt.encode(payload, key, algorithm="EdDSA", headers=header)


def test_jwt_and_enveloped_presentations(app_client: TestClient) -> None:
    holder_key = ed25519.Ed25519PrivateKey.generate()
    holder_did = did_jwk_from_public_key(holder_key.public_key())
    issuer_key = ed25519.Ed25519PrivateKey.generate()
    credential_token = vc_jwt(issuer_key)
    vp = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [envelope(credential_token)],
    }
    # VC-JOSE-COSE §3.2: the payload is the presentation; nonce and aud bind it
    token = _vp_jwt(holder_key, {**vp, "nonce": CHALLENGE, "aud": DOMAIN}, "vp+jwt")
    answer = _post(app_client, token, challenge=CHALLENGE, domain=DOMAIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["results"]["format"] == "jwt_vp"
    assert body["credentialResults"][0]["results"]["format"] == "enveloped_vc"
    assert _failed(_post(app_client, token, challenge="other").json()) == {
        "proof": "INVALID_CHALLENGE_ERROR"
    }

    wrapped = {
        "@context": VC_V2,
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{token}",
    }
    answer = _post(app_client, wrapped, challenge=CHALLENGE, domain=DOMAIN)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["format"] == "enveloped_vp"
    bad_context = _post(app_client, {**wrapped, "@context": []})
    assert _failed(bad_context.json()) == {"data_model": "MALFORMED_VALUE_ERROR"}

    # VC-JWT 1.1: the vp claim, iss is the holder, credentials as VC-JWT strings
    legacy = {
        "iss": holder_did,
        "nonce": CHALLENGE,
        "aud": DOMAIN,
        "vp": {
            "@context": [VC_V1],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [credential_token],
        },
    }
    answer = _post(app_client, _vp_jwt(holder_key, legacy, "JWT"), challenge=CHALLENGE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["holder"] == {"input": holder_did, "valid": True}

    # signed by someone other than the holder it names
    stranger = ed25519.Ed25519PrivateKey.generate()
    answer = _post(app_client, _vp_jwt(stranger, legacy, "JWT"))
    assert _failed(answer.json()) == {"holder": "HOLDER_MISMATCH"}
    forged = token.split(".")
    forged[2] = _vp_jwt(holder_key, {**vp, "nonce": "x"}, "vp+jwt").split(".")[2]
    assert _failed(_post(app_client, ".".join(forged)).json()) == {"proof": "JWT_SIGNATURE_ERROR"}


def test_presentation_without_proof(app_client: TestClient, vc: dict[str, Any]) -> None:
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"]}
    answer = app_client.post(
        "/presentations/verify",
        json={"presentation": {**presentation, "verifiableCredential": [vc, alumni("x")]}},
    )
    assert answer.status_code == 400
    assert [r["verified"] for r in answer.json()["credentialResults"]] == [True, False]
    answer = app_client.post(
        "/presentations/verify",
        json={"presentation": {**presentation, "verifiableCredential": vc}},
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "verifiablePresentation"),
        ([], "body"),
        ({"verifiablePresentation": 5}, "verifiablePresentation"),
        ({"verifiablePresentation": "not a jws"}, "verifiablePresentation"),
        ({"verifiablePresentation": {}, "options": []}, "options"),
        ({"verifiablePresentation": {}, "options": {"challenge": 1}}, "options.challenge"),
        (
            {"verifiablePresentation": {"type": "EnvelopedVerifiablePresentation", "id": "x"}},
            "verifiablePresentation.id",
        ),
    ],
)
def test_bad_requests_name_the_field(app_client: TestClient, body: Any, field: str) -> None:
    answer = app_client.post("/presentations/verify", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == field


def test_openapi_lists_the_route(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    route = spec["paths"]["/presentations/verify"]["post"]
    assert {"200", "400", "413", "422"} <= set(route["responses"])
