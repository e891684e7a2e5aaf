"""What the W3C suites and other implementations send a verifier: ACA-Py's eddsa-jcs-2022
proofs, proof sets and chains with keys besides the issuer's, enveloped credentials."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.container import Services
from app.core.did.did_key import did_key_from_public_key
from app.core.multiformats import multibase_encode
from app.verification.report import VerificationReport


def did_key_vm(key: ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    did = did_key_from_public_key(key.public_key())
    return did, f"{did}#{did.removeprefix('did:key:')}"


def alumni(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }


def sign_jcs_by_hand(
    document: dict[str, Any], options: dict[str, Any], key: ed25519.Ed25519PrivateKey
) -> dict[str, Any]:
    """eddsa-jcs-2022 by the spec's steps (VC-DI-EDDSA §3.3), as another implementation would:
    SHA-256(JCS(proof options)) || SHA-256(JCS(document)), Ed25519, base58btc."""
    config_hash = hashlib.sha256(rfc8785.dumps(options)).digest()
    document_hash = hashlib.sha256(rfc8785.dumps(document)).digest()
    proof = {**options, "proofValue": multibase_encode(key.sign(config_hash + document_hash))}
    return {**document, "proof": proof}


def aca_py_credential(key: ed25519.Ed25519PrivateKey, *, with_context: bool) -> dict[str, Any]:
    """A VC 2.0 credential as ACA-Py 1.7 signs it: no ``created``, no proof ``@context``."""
    did, vm = did_key_vm(key)
    document = alumni(did)
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    if with_context:
        options["@context"] = list(document["@context"])
    return sign_jcs_by_hand(document, options, key)


def _verify(services: Services, session: Session, credential: Any) -> VerificationReport:
    return services.verifier.verify_submission(session, credential)


def test_aca_py_eddsa_jcs_2022_credential_verifies(services: Services, session: Session) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    for with_context in (False, True):
        credential = aca_py_credential(key, with_context=with_context)
        assert ("@context" in credential["proof"]) is with_context
        report = _verify(services, session, credential)
        assert report.verified, report.to_json()
        forged = copy.deepcopy(credential)
        forged["credentialSubject"]["alumniOf"] = "Elsewhere"
        failed = _verify(services, session, forged)
        assert {c.name: c.code for c in failed.failed()} == {"proof": "PROOF_VERIFICATION_ERROR"}
