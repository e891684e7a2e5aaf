"""Our own credentials verify offline (keys and status lists from the database), in every form."""

from __future__ import annotations

import copy

import pytest
from sqlmodel import Session

from app.container import Services
from app.credentials import repository as credentials
from app.issuers.organizations import create_organization
from tests.factories import Factory, open_badge

VC_1_1 = {
    "@context": ["https://www.w3.org/2018/credentials/v1"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alumna"},
}


@pytest.fixture
def offline(services: Services) -> Services:
    services.verifier.fetcher = None  # our own credentials never need the network
    return services


def _codes(report) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {c.name: c.code for c in report.failed()}


def test_own_badge_revoked_offline(factory: Factory, offline: Services, session: Session) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    assert offline.verifier.verify(session, vc).verified
    record = credentials.by_credential_id(session, vc["id"])
    assert record is not None
    offline.credential_status.revoke(session, record, "issued in error", "test")
    session.commit()  # the test calls the service: it owns the transaction
    report = offline.verifier.verify(session, vc)
    assert _codes(report) == {"revocation": "REVOKED"}


def test_own_vc_1_1_suspended_and_reinstated(
    factory: Factory, offline: Services, session: Session
) -> None:
    vc = factory.issue(factory.caller(), copy.deepcopy(VC_1_1))
    assert vc["credentialStatus"][0]["type"] == "StatusList2021Entry"
    report = offline.verifier.verify(session, vc)
    assert report.verified, report.to_json()
    assert report.results["dataModel"] == "1.1"
    record = credentials.by_credential_id(session, vc["id"])
    assert record is not None
    offline.credential_status.suspend(session, record, None, "test")
    session.commit()  # the test calls the service: it owns the transaction
    assert _codes(offline.verifier.verify(session, vc)) == {"suspension": "SUSPENDED"}
    offline.credential_status.reinstate(session, record, None, "test")
    session.commit()  # the test calls the service: it owns the transaction
    assert offline.verifier.verify(session, vc).verified


def test_did_key_organization(factory: Factory, offline: Services, session: Session) -> None:
    create_organization(session, offline.keyring, slug="keyed", name="Keyed", did_method="key")
    session.commit()  # the test calls the service: it owns the transaction
    vc = factory.issue(factory.caller("keyed"))
    assert vc["issuer"]["id"].startswith("did:key:")
    report = offline.verifier.verify(session, vc)
    assert report.verified, report.to_json()


def test_own_jwt_forms_through_the_api(factory: Factory, offline: Services) -> None:
    caller = factory.caller()
    for fmt, alg in (("jwt_vc_json", "RS256"), ("jwt_vc_json", "ES256"), ("vc+jwt", "EdDSA")):
        body = {"credential": open_badge(), "options": {"format": fmt, "alg": alg}}
        issued = factory.client.post("/credentials/issue", json=body, headers=caller.headers)
        assert issued.status_code == 201, issued.text
        credential = issued.json()["verifiableCredential"]
        answer = factory.client.post(
            "/credentials/verify", json={"verifiableCredential": credential}
        ).json()
        assert answer["verified"] is True, answer
        assert answer["results"]["format"] == ("jwt_vc" if fmt == "jwt_vc_json" else "enveloped_vc")
        # the JWT carries the Data Integrity proof too (OB 3.0 §8.2.2): both are checked
        assert [c["check"] for c in answer["checks"]].count("proof") == 2


def test_own_jwt_tampered(factory: Factory, offline: Services, session: Session) -> None:
    caller = factory.caller()
    body = {"credential": open_badge(), "options": {"format": "jwt_vc_json", "alg": "ES256"}}
    token = factory.client.post("/credentials/issue", json=body, headers=caller.headers).json()[
        "verifiableCredential"
    ]
    header, payload, signature = token.split(".")
    forged = ".".join(
        [header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature]
    )
    report = offline.verifier.verify_submission(session, forged)
    assert not report.verified
    assert any(c.name == "proof" and not c.passed for c in report.checks)
