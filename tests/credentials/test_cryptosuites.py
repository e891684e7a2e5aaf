"""``options.cryptosuite`` on POST /credentials/issue: eddsa-rdfc-2022 (default),
eddsa-jcs-2022 and ecdsa-rdfc-2019 with the organization's P-256 Multikey."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.core.multiformats import decode_multikey
from tests.factories import Factory, open_badge


def _issue(factory: Factory, caller, suite: Any) -> Any:
    return factory.client.post(
        "/credentials/issue",
        json={"credential": copy.deepcopy(open_badge()), "options": {"cryptosuite": suite}},
        headers=caller.headers,
    )


def _did_key(factory: Factory, verification_method: str) -> dict[str, Any]:
    document = factory.client.get("/orgs/acme/did.json").json()
    assert verification_method in document["assertionMethod"]
    (method,) = [m for m in document["verificationMethod"] if m["id"] == verification_method]
    return method


def test_ecdsa_rdfc_2019_signs_with_a_published_p256_multikey(factory: Factory, session) -> None:
    caller = factory.caller()
    response = _issue(factory, caller, "ecdsa-rdfc-2019")
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    proof = vc["proof"]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "ecdsa-rdfc-2019")
    method = _did_key(factory, proof["verificationMethod"])
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"].startswith("zDn")  # p256-pub, compressed (CID §2.2.2)
    decode_multikey(method["publicKeyMultibase"])
    report = factory.services.verifier.verify(session, vc)
    assert report.verified, report.to_json()
    # The next one uses the same P-256 key (one active key per type).
    again = _issue(factory, caller, "ecdsa-rdfc-2019").json()["verifiableCredential"]
    assert again["proof"]["verificationMethod"] == proof["verificationMethod"]


def test_eddsa_jcs_2022_is_signed_and_verifies(factory: Factory, session) -> None:
    caller = factory.caller()
    response = _issue(factory, caller, "eddsa-jcs-2022")
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert vc["proof"]["@context"] == vc["@context"]  # eddsa-jcs-2022 §3.3.1
    _did_key(factory, vc["proof"]["verificationMethod"])
    assert factory.services.verifier.verify(session, vc).verified


def test_default_suite_is_eddsa_rdfc_2022(factory: Factory) -> None:
    vc = factory.issue(factory.caller())
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


@pytest.mark.parametrize("suite", ["ecdsa-sd-2023", "bbs-2023", "Ed25519Signature2020", 7, None])
def test_unknown_cryptosuite_is_422_naming_the_option(factory: Factory, suite: Any) -> None:
    response = _issue(factory, factory.caller(), suite)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "options.cryptosuite"


def test_ecdsa_for_a_did_key_issuer_is_422(factory: Factory) -> None:
    factory.org("keyed", did_method="key")
    response = _issue(factory, factory.caller("keyed"), "ecdsa-rdfc-2019")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "options.cryptosuite"
