"""VC-JWT from another issuer (OB 3.0 §8.2; VC-JOSE-COSE §3.1), signed here with PyJWT."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.container import Services
from app.core.did.did_jwk import did_jwk_from_public_key
from app.core.did.document import jwk_from_public_key
from app.core.proofs.jose import ob_claims
from tests.verification.harness import RemoteIssuer


def _ob_jwt(credential: dict[str, Any], key: Any, alg: str, **header: Any) -> str:
    payload = {**credential, **ob_claims(credential)}
    return jwt.encode(payload, key, algorithm=alg, headers={"typ": "JWT", **header})


def _failed(report: Any) -> dict[str, str | None]:
    return {c.name: c.code for c in report.failed()}


@pytest.mark.parametrize(("alg", "key_name"), [("ES256", "p256"), ("RS256", "rsa")])
def test_did_web_kid(
    alg: str, key_name: str, remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    key = remote.p256_key if alg == "ES256" else remote.rsa_key
    token = _ob_jwt(remote.badge(), key, alg, kid=remote.vm(key_name))
    report = verifier_services.verifier.verify_submission(session, token)
    assert report.verified, report.to_json()
    assert report.results["format"] == "jwt_vc"

    header, _, signature = token.split(".")
    other = _ob_jwt(remote.badge(name="Forged"), key, alg, kid=remote.vm(key_name))
    forged = ".".join([header, other.split(".")[1], signature])
    assert _failed(verifier_services.verifier.verify_submission(session, forged)) == {
        "proof": "JWT_SIGNATURE_ERROR"
    }


def test_https_jwks_kid_on_the_issuers_origin(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    base = remote.server.base_url
    jwk = jwk_from_public_key(remote.rsa_key.public_key(), kid="k1")
    remote.server.json("/jwks.json", {"keys": [jwk]}, "application/jwk-set+json")
    credential = remote.badge()
    credential["issuer"]["id"] = f"{base}/issuers/elsewhere"
    token = _ob_jwt(credential, remote.rsa_key, "RS256", kid=f"{base}/jwks.json#k1")
    report = verifier_services.verifier.verify_submission(session, token)
    assert report.verified, report.to_json()

    credential["issuer"]["id"] = "https://someone-else.example/issuer"
    token = _ob_jwt(credential, remote.rsa_key, "RS256", kid=f"{base}/jwks.json#k1")
    report = verifier_services.verifier.verify_submission(session, token)
    assert _failed(report) == {"issuer": "ISSUER_KEY_MISMATCH"}


def test_embedded_jwk_with_did_jwk_issuer_and_envelope(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    did = did_jwk_from_public_key(key.public_key())
    credential = remote.badge()
    credential["issuer"]["id"] = did
    jwk = jwk_from_public_key(key.public_key())
    token = jwt.encode(credential, key, algorithm="EdDSA", headers={"typ": "vc+jwt", "jwk": jwk})
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    report = verifier_services.verifier.verify_submission(session, envelope)
    assert report.verified, report.to_json()
    assert report.results["format"] == "enveloped_vc"

    credential["issuer"]["id"] = remote.did  # an embedded key the issuer never published
    token = jwt.encode(credential, key, algorithm="EdDSA", headers={"typ": "vc+jwt", "jwk": jwk})
    report = verifier_services.verifier.verify_submission(session, token)
    assert _failed(report) == {"issuer": "ISSUER_KEY_MISMATCH"}


def test_unsigned_and_unknown_key_jwts_fail(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    unsigned = jwt.encode(remote.badge(), None, algorithm="none")  # type: ignore[arg-type]
    report = verifier_services.verifier.verify_submission(session, unsigned)
    assert _failed(report) == {"proof": "JWT_ALGORITHM_ERROR"}

    token = _ob_jwt(remote.badge(), remote.p256_key, "ES256", kid=remote.vm("nope"))
    report = verifier_services.verifier.verify_submission(session, token)
    assert not report.verified
    assert _failed(report) == {"issuer_key": "KEY_NOT_FOUND"}
