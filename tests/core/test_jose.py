"""VC-JWT (OB 3.0 §8.2, VC-JOSE-COSE §3.1): each algorithm, and the attacks that must fail."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app.core.proofs import jose

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:7d5f3e84-2a55-4f3b-a3b8-5f2d7e1c9a10",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:web:laurel.test:orgs:acme", "type": ["Profile"]},
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2030-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"]},
}
KID = "did:web:laurel.test:orgs:acme#key-1"

KEYS = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


def _resolver(public_key: Any):  # type: ignore[no-untyped-def]
    def resolve(kid: str | None, header: Any) -> Any:
        if kid != KID:
            raise LookupError(f'key "{kid}" is not published')
        return public_key

    return resolve


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", list(KEYS))
def test_round_trip_ob_profile_and_pyjwt_agrees(alg: str) -> None:
    private = KEYS[alg]()
    token = jose.sign_vc_jwt(CREDENTIAL, private, KID)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": KID, "typ": "JWT"}  # OB §8.2.3: nothing else
    claims = jwt.decode(
        token, private.public_key(), algorithms=[alg], options={"verify_aud": False}
    )
    assert claims["iss"] == "did:web:laurel.test:orgs:acme"
    assert claims["jti"] == CREDENTIAL["id"]
    assert claims["sub"] == "did:example:learner"
    assert claims["nbf"] == 1767225600
    assert claims["exp"] == 1893456000
    result = jose.verify_vc_jwt(token, _resolver(private.public_key()))
    assert result.verified, result.message
    assert result.credential == CREDENTIAL


@pytest.mark.parametrize("alg", list(KEYS))
def test_vc_jose_profile_payload_is_the_credential(alg: str) -> None:
    private = KEYS[alg]()
    token = jose.sign_vc_jwt(CREDENTIAL, private, KID, profile=jose.VC_JOSE_PROFILE)
    assert jwt.get_unverified_header(token)["typ"] == "vc+jwt"
    assert jose.decode_unverified(token)[1] == CREDENTIAL
    assert jose.verify_vc_jwt(token, _resolver(private.public_key())).verified


@pytest.mark.parametrize("alg", list(KEYS))
def test_tampered_payload_fails(alg: str) -> None:
    private = KEYS[alg]()
    header, payload, signature = jose.sign_vc_jwt(CREDENTIAL, private, KID).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["id"] = "did:example:mallory"
    forged = f"{header}.{_b64(claims)}.{signature}"
    result = jose.verify_vc_jwt(forged, _resolver(private.public_key()))
    assert not result.verified
    assert result.code == jose.JWT_SIGNATURE_ERROR


@pytest.mark.parametrize("alg", list(KEYS))
def test_wrong_key_fails(alg: str) -> None:
    token = jose.sign_vc_jwt(CREDENTIAL, KEYS[alg](), KID)
    result = jose.verify_vc_jwt(token, _resolver(KEYS[alg]().public_key()))
    assert not result.verified and result.code == jose.JWT_SIGNATURE_ERROR


def test_alg_none_is_refused() -> None:
    token = f"{_b64({'alg': 'none', 'kid': KID})}.{_b64(CREDENTIAL)}."
    result = jose.verify_vc_jwt(token, _resolver(KEYS["EdDSA"]().public_key()))
    assert not result.verified and result.code == jose.JWT_ALG_ERROR


def test_hs256_with_public_key_as_secret_is_refused() -> None:
    private = KEYS["RS256"]()
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "kid": KID, "typ": "JWT"})
    body = _b64(CREDENTIAL)
    import hashlib
    import hmac

    mac = hmac.new(pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    result = jose.verify_vc_jwt(token, _resolver(private.public_key()))
    assert not result.verified and result.code == jose.JWT_ALG_ERROR


def test_alg_key_mismatch_is_refused() -> None:
    ec_key = KEYS["ES256"]()
    token = jose.sign_vc_jwt(CREDENTIAL, ec_key, KID)
    result = jose.verify_vc_jwt(token, _resolver(KEYS["EdDSA"]().public_key()))
    assert not result.verified and result.code == jose.JWT_ALG_ERROR


def test_expired_token_is_refused_by_pyjwt_and_carries_exp() -> None:
    private = KEYS["EdDSA"]()
    expired = {
        **CREDENTIAL,
        "validFrom": "2020-01-01T00:00:00Z",
        "validUntil": "2021-01-01T00:00:00Z",
    }
    token = jose.sign_vc_jwt(expired, private, KID)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, private.public_key(), algorithms=["EdDSA"])


def test_claim_that_contradicts_the_credential_fails() -> None:
    private = KEYS["EdDSA"]()
    payload = {**CREDENTIAL, **jose.ob_claims(CREDENTIAL), "iss": "did:web:evil.example"}
    token = jwt.encode(payload, private, algorithm="EdDSA", headers={"kid": KID, "typ": "JWT"})
    result = jose.verify_vc_jwt(token, _resolver(private.public_key()))
    assert not result.verified and result.code == jose.JWT_CLAIM_MISMATCH


def test_unknown_kid_is_key_not_found() -> None:
    private = KEYS["EdDSA"]()
    token = jose.sign_vc_jwt(CREDENTIAL, private, "did:web:other#k")
    result = jose.verify_vc_jwt(token, _resolver(private.public_key()))
    assert not result.verified and result.code == jose.KEY_NOT_FOUND


def test_garbage_is_malformed() -> None:
    result = jose.verify_vc_jwt("not.a.jwt", _resolver(None))
    assert not result.verified and result.code == jose.JWT_MALFORMED
