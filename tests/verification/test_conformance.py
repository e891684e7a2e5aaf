"""What the W3C suites and other implementations send a verifier: ACA-Py's eddsa-jcs-2022
proofs, proof sets and chains with keys besides the issuer's, enveloped credentials."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import jwt
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.container import Services
from app.core.did.did_jwk import did_jwk_from_public_key
from app.core.did.did_key import did_key_from_public_key
from app.core.did.document import jwk_from_public_key
from app.core.multiformats import multibase_encode
from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer
from app.core.vocabulary import VC_V2
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


# -- EnvelopedVerifiableCredential (VC DM 2.0 §4.13, VC-JOSE-COSE §3.1) ---------------------


def vc_jwt(key: ed25519.Ed25519PrivateKey, credential: dict[str, Any] | None = None) -> str:
    """A VC-JOSE-COSE ``vc+jwt`` by a did:jwk issuer (the key rides in the header)."""
    did = did_jwk_from_public_key(key.public_key())
    header = {"typ": "vc+jwt", "jwk": jwk_from_public_key(key.public_key())}
    return jwt.encode(credential or alumni(did), key, algorithm="EdDSA", headers=header)


def envelope(token: str, context: Any = VC_V2) -> dict[str, Any]:
    wrapped: dict[str, Any] = {
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    if context is not _ABSENT:
        wrapped["@context"] = context
    return wrapped


_ABSENT = object()


@pytest.mark.parametrize(
    "context",
    [VC_V2, [VC_V2], [VC_V2, "https://www.w3.org/ns/credentials/examples/v2"], [VC_V2, {}]],
)
def test_enveloped_credential_with_a_vc_2_context_verifies(
    context: Any, services: Services, session: Session
) -> None:
    token = vc_jwt(ed25519.Ed25519PrivateKey.generate())
    report = _verify(services, session, envelope(token, context))
    assert report.verified, report.to_json()


@pytest.mark.parametrize(
    "context",
    [
        [],
        _ABSENT,
        "https://www.w3.org/2018/credentials/v1",
        "https://example.com/not-a-context",
        ["https://www.w3.org/ns/credentials/examples/v2", VC_V2],
        [VC_V2, "https://unknown.example/contexts/v1"],
        [VC_V2, 7],
        {"@vocab": "https://example.com/#"},
    ],
)
def test_enveloped_credential_context_is_checked(
    context: Any, services: Services, session: Session
) -> None:
    token = vc_jwt(ed25519.Ed25519PrivateKey.generate())
    report = _verify(services, session, envelope(token, context))
    assert not report.verified
    failed = report.failed()
    assert [(c.name, c.code) for c in failed] == [("data_model", "MALFORMED_VALUE_ERROR")]
    assert "EnvelopedVerifiableCredential" in failed[0].message
    # the token itself is fine: its proof check passed
    assert any(c.name == "proof" and c.passed for c in report.checks)


# -- proof sets and chains (VC-DI §4.4-4.5) ---------------------------------------------------


def _did_key_signer(key: ed25519.Ed25519PrivateKey) -> Ed25519Signer:
    return Ed25519Signer(key, did_key_vm(key)[1])


def test_proof_chain_with_a_key_other_than_the_issuers(
    signing_engine: DataIntegrityEngine, services: Services, session: Session
) -> None:
    """Every proof must verify; one assertionMethod proof by the issuer is enough."""
    issuer_key = ed25519.Ed25519PrivateKey.generate()
    witness_key = ed25519.Ed25519PrivateKey.generate()
    issuer, witness = _did_key_signer(issuer_key), _did_key_signer(witness_key)
    suite = SUITES["eddsa-rdfc-2022"]
    once = signing_engine.add_proof(
        alumni(did_key_vm(issuer_key)[0]),
        suite,
        issuer,
        ProofOptions(issuer.verification_method, id="urn:uuid:proof-1"),
    )
    chained = signing_engine.add_proof(
        once,
        suite,
        witness,
        ProofOptions(
            witness.verification_method, id="urn:uuid:proof-2", previous_proof="urn:uuid:proof-1"
        ),
    )
    report = _verify(services, session, chained)
    assert report.verified, report.to_json()
    assert [c.passed for c in report.checks if c.name == "proof"] == [True, True]
    noted = [w.message for w in report.warnings if w.name == "issuer"]
    assert any(witness.verification_method in message for message in noted)

    # a proof set (no chain): the same rule
    as_set = signing_engine.add_proof(
        once, suite, witness, ProofOptions(witness.verification_method)
    )
    assert _verify(services, session, as_set).verified

    # every proof must still verify
    broken = copy.deepcopy(chained)
    broken["proof"][1]["proofValue"] = chained["proof"][0]["proofValue"]
    failed = _verify(services, session, broken)
    assert {c.name: c.code for c in failed.failed()} == {"proof": "PROOF_VERIFICATION_ERROR"}

    # and one of them must be the issuer's
    only_witness = signing_engine.add_proof(
        alumni(did_key_vm(issuer_key)[0]), suite, witness, ProofOptions(witness.verification_method)
    )
    report = _verify(services, session, only_witness)
    assert {c.name: c.code for c in report.failed()} == {"issuer": "ISSUER_KEY_MISMATCH"}
