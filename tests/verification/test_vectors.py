"""The spec test vectors (tests/vectors/) through the verifier, and their tampered copies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.container import Services
from app.verification.fetch import Fetcher

VECTORS = Path(__file__).parents[1] / "vectors"


def _vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())  # type: ignore[no-any-return]


def _failed(report: Any) -> dict[str, str | None]:
    return {c.name: c.code for c in report.failed()}


@pytest.mark.parametrize(
    "name",
    [
        "vc-di-eddsa_eddsa-rdfc-2022.json",
        "vc-di-eddsa_eddsa-jcs-2022.json",
        "vc-di-eddsa_ed25519signature2020.json",
    ],
)
def test_w3c_vectors(name: str, services: Services, session: Session) -> None:
    """The signatures verify; the issuer (https://vc.example/...) does not control the
    did:key that signed, so the credential is, rightly, not verified as a whole."""
    signed = _vector(name)["signed"]
    report = services.verifier.verify_submission(session, signed)
    assert [c.passed for c in report.checks if c.name == "proof"] == [True]
    assert _failed(report) == {"issuer": "ISSUER_KEY_MISMATCH"}

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    assert _failed(services.verifier.verify_submission(session, tampered))["proof"] == (
        "PROOF_VERIFICATION_ERROR"
    )


def test_vector_with_an_unpinned_context_is_a_clear_failure(
    services: Services, session: Session
) -> None:
    signed = _vector("vc-di-eddsa_eddsa-rdfc-2022_employment.json")["signed"]
    report = services.verifier.verify_submission(session, signed)
    assert not report.verified
    proof = next(c for c in report.checks if c.name == "proof")
    assert "citizenship" in proof.message and "not pinned" in proof.message


def test_open_badges_vector_with_its_issuer_key_document(
    services: Services, session: Session
) -> None:
    """OB 3.0 Implementation Guide vector: the key is ``<issuer id>#<multibase>``; the issuer's
    controller document is served at that https URL (a stub transport stands in for
    example.edu, the SSRF guard still runs and pins a public address)."""
    vector = _vector("ob-v3p0-impl_eddsa-rdfc-2022.json")
    controller, vm = vector["controller"], vector["verificationMethodId"]
    document = {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": controller,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": vector["publicKeyMultibase"],
            }
        ],
        "assertionMethod": [vm],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["host"] == "example.edu"
        return httpx.Response(200, json=document)

    policy = services.verifier.fetcher.policy  # type: ignore[union-attr]
    services.verifier.fetcher = Fetcher(
        policy,
        resolver=lambda host, port: ["93.184.215.14"],
        transport=httpx.MockTransport(handler),
    )
    report = services.verifier.verify_submission(session, vector["signed"])
    assert report.verified, report.to_json()

    tampered = copy.deepcopy(vector["signed"])
    tampered["name"] = "Leadership Badge"
    assert _failed(services.verifier.verify_submission(session, tampered)) == {
        "proof": "PROOF_VERIFICATION_ERROR"
    }


def test_bitstring_status_list_example_reads_as_clear() -> None:
    from app.core.status.credential import read_status

    vector = _vector("bitstring-status-list_example.json")
    result = read_status(vector["credentialStatusEntry"], vector["statusListCredential"])
    assert result.valid and result.status == 0
