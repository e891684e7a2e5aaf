"""Our verifier on our own credentials: keys resolved offline, failures named."""

from __future__ import annotations

import copy

from tests.factories import Factory


def test_malformed_did_key_is_a_named_failure_not_a_crash(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    tampered = copy.deepcopy(vc)
    tampered["proof"]["verificationMethod"] = "did:key:zNotAKey#zNotAKey"
    report = factory.services.verifier.verify(session, tampered)
    assert not report.verified
    assert any(c.name == "issuer_key" and not c.passed for c in report.checks)


def test_verify_endpoint_answers_200_verified_400_not(factory: Factory) -> None:
    vc = factory.issue(factory.caller())
    ok = factory.client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert ok.status_code == 200
    assert ok.json()["verified"] is True
    vc["name"] = "Forged"
    bad = factory.client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert bad.status_code == 400
    body = bad.json()
    assert body["verified"] is False
    assert any(e["check"] == "proof" for e in body["errors"])
