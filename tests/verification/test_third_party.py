"""Credentials of another issuer, resolved for real: did:web over HTTPS on 127.0.0.1 (allowed by
setting), remote status lists, each suite with its own keys, tampered copies failing by name."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from app.container import Services
from app.core.did.did_key import did_key_from_public_key
from app.core.multiformats import encode_multikey
from app.core.status.bitstring import Bitstring
from app.verification.report import VerificationReport
from tests.verification.harness import RemoteIssuer

SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "Ed25519Signature2020"]


def _verify(services: Services, session: Session, credential: Any) -> VerificationReport:
    return services.verifier.verify_submission(session, credential)


def _failed(report: VerificationReport) -> dict[str, str | None]:
    return {c.name: c.code for c in report.failed()}


@pytest.mark.parametrize("suite", SUITES)
def test_each_suite_verifies_and_a_tampered_copy_fails(
    suite: str, remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    signed = remote.sign(remote.badge(), suite)
    report = _verify(verifier_services, session, signed)
    assert report.verified, report.to_json()
    names = {c.name for c in report.checks if c.passed}
    assert {"proof", "issuer", "validity", "schema", "data_model"} <= names
    assert report.results["proof"][0]["cryptosuite"] == suite

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Data Structures"
    bad = _verify(verifier_services, session, tampered)
    assert not bad.verified
    assert _failed(bad) == {"proof": "PROOF_VERIFICATION_ERROR"}


def test_several_proofs_all_must_verify(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    both = remote.sign(remote.sign(remote.badge(), "eddsa-rdfc-2022"), "ecdsa-rdfc-2019")
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    assert _verify(verifier_services, session, both).verified
    broken = copy.deepcopy(both)
    broken["proof"][1]["proofValue"] = both["proof"][0]["proofValue"]
    report = _verify(verifier_services, session, broken)
    assert not report.verified
    assert [c.passed for c in report.checks if c.name == "proof"] == [True, False]


def test_proof_shapes_seen_in_the_wild(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    no_created = remote.sign(remote.badge(), include_created=False)
    assert "created" not in no_created["proof"]
    as_array = copy.deepcopy(no_created)
    as_array["proof"] = [as_array["proof"]]
    with_context = copy.deepcopy(as_array)  # a proof-level @context equal to the document's
    jcs = remote.sign(remote.badge(), "eddsa-jcs-2022")
    assert "@context" in jcs["proof"]
    for credential in (no_created, as_array, jcs):
        assert _verify(verifier_services, session, credential).verified
    with_context["proof"][0]["@context"] = with_context["@context"]
    assert _verify(verifier_services, session, with_context).verified


def test_vc_1_1_credential(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    credential = remote.badge()
    del credential["validFrom"], credential["credentialSchema"]
    credential["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/data-integrity/v2",
    ]
    credential["issuanceDate"] = "2024-01-01T00:00:00Z"
    credential["expirationDate"] = "2099-01-01T00:00:00Z"
    report = _verify(verifier_services, session, remote.sign(credential))
    assert report.verified, report.to_json()
    assert report.results["dataModel"] == "1.1"
    expired = dict(credential, issuanceDate="2019-01-01T00:00:00Z")
    expired["expirationDate"] = "2020-01-01T00:00:00Z"
    report = _verify(verifier_services, session, remote.sign(expired))
    assert _failed(report) == {"validity": "EXPIRED"}


@pytest.mark.parametrize(
    ("dates", "code"),
    [
        ({"validFrom": "2019-01-01T00:00:00Z", "validUntil": "2020-01-01T00:00:00Z"}, "EXPIRED"),
        (
            {"validFrom": "2021-01-01T00:00:00Z", "validUntil": "2020-01-01T00:00:00Z"},
            "RANGE_ERROR",
        ),
        ({"validFrom": "2099-01-01T00:00:00Z"}, "NOT_YET_VALID"),
        ({"validFrom": "yesterday"}, "MALFORMED_VALUE_ERROR"),
    ],
)
def test_validity_period(
    dates: dict[str, str],
    code: str,
    remote: RemoteIssuer,
    verifier_services: Services,
    session: Session,
) -> None:
    signed = remote.sign(remote.badge(**dates))
    report = _verify(verifier_services, session, signed)
    assert not report.verified
    assert _failed(report).get("validity") == code


def test_key_not_listed_for_assertion_method(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    remote.publish(assertion=("p256",))  # the Ed25519 key is only for authentication
    report = _verify(verifier_services, session, remote.sign(remote.badge()))
    assert not report.verified
    failed = report.failed()
    assert failed[0].name == "issuer_key" and failed[0].code == "KEY_NOT_FOUND"
    assert "assertionMethod" in failed[0].message


def test_key_of_someone_else_is_not_the_issuers(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    did_key = did_key_from_public_key(remote.ed_key.public_key())
    vm = f"{did_key}#{did_key.removeprefix('did:key:')}"
    report = _verify(verifier_services, session, remote.sign(remote.badge(), vm=vm))
    assert report.checks[1].name == "proof" and report.checks[1].passed  # the signature is fine
    assert _failed(report) == {"issuer": "ISSUER_KEY_MISMATCH"}


def test_did_document_with_a_wrong_id(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    document = remote.did_document()
    document["id"] = "did:web:evil.example"
    remote.server.json("/issuers/elsewhere/did.json", document)
    report = _verify(verifier_services, session, remote.sign(remote.badge()))
    assert _failed(report) == {"issuer_key": "KEY_NOT_FOUND"}


def test_unreachable_issuer_is_named_never_verified(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    remote.server.routes.clear()  # the did:web document is gone (404)
    report = _verify(verifier_services, session, remote.sign(remote.badge()))
    assert not report.verified
    assert _failed(report) == {"issuer_key": "KEY_NOT_FOUND"}
    assert "HTTP 404" in report.failed()[0].message

    credential = remote.badge()
    credential["issuer"]["id"] = "did:web:127.0.0.1%3A9"  # nothing listens on port 9
    signed = remote.sign(credential, vm="did:web:127.0.0.1%3A9#ed")
    report = _verify(verifier_services, session, signed)
    assert not report.verified
    assert "could not be reached" in report.failed()[0].message


def test_not_allowed_host_is_refused(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    credential = remote.badge()
    credential["issuer"]["id"] = "did:web:169.254.169.254"
    report = _verify(
        verifier_services, session, remote.sign(credential, vm="did:web:169.254.169.254#ed")
    )
    assert not report.verified
    assert "non-public address" in report.failed()[0].message


# -- status -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "prefix"), [("bitstring", True), ("sl2021", False), ("sl2021", True)]
)
def test_remote_status_lists(
    fmt: str,
    prefix: bool,
    remote: RemoteIssuer,
    verifier_services: Services,
    session: Session,
) -> None:
    revocations = remote.status_list("rev", "revocation", (7,), fmt=fmt, prefix=prefix)
    suspensions = remote.status_list("sus", "suspension", (8,), fmt=fmt, prefix=prefix)

    def badge(rev: int, sus: int) -> dict[str, Any]:
        credential = remote.badge()
        del credential["credentialSchema"]  # OB 3.0's schema allows one credentialStatus only
        credential["credentialStatus"] = [
            remote.entry(revocations, rev, "revocation", fmt),
            remote.entry(suspensions, sus, "suspension", fmt),
        ]
        if fmt == "sl2021":
            credential["@context"].append("https://w3id.org/vc/status-list/2021/v1")
        return remote.sign(credential)

    clear = _verify(verifier_services, session, badge(1, 2))
    assert clear.verified, clear.to_json()
    assert {"revocation", "suspension"} <= {c.name for c in clear.checks if c.passed}
    assert _failed(_verify(verifier_services, session, badge(7, 2))) == {"revocation": "REVOKED"}
    assert _failed(_verify(verifier_services, session, badge(1, 8))) == {"suspension": "SUSPENDED"}


def test_status_list_problems(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    def status_of(entry: dict[str, Any]) -> tuple[str | None, str]:
        credential = remote.badge(credentialStatus=entry)
        report = _verify(verifier_services, session, remote.sign(credential))
        failed = report.failed()
        assert not report.verified
        return failed[0].code, failed[0].message

    short = remote.status_list("short", "revocation", size=8 * 1024)
    assert status_of(remote.entry(short, 1, "revocation"))[0] == "STATUS_LIST_LENGTH_ERROR"

    purpose = remote.status_list("purpose", "suspension")
    assert status_of(remote.entry(purpose, 1, "revocation"))[0] == "STATUS_VERIFICATION_ERROR"

    tampered_url = remote.status_list("tampered", "revocation", (3,))
    listed = json.loads(remote.server.routes["/status/tampered"][2])  # type: ignore[index]
    listed["credentialSubject"]["encodedList"] = Bitstring(131_072).encode()  # bit 3 cleared
    remote.server.json("/status/tampered", listed)
    code, message = status_of(remote.entry(tampered_url, 3, "revocation"))
    assert code == "STATUS_VERIFICATION_ERROR" and "proof" in message

    missing = remote.server.base_url + "/status/missing"
    assert status_of(remote.entry(missing, 1, "revocation"))[0] == "STATUS_RETRIEVAL_ERROR"


def test_1edtech_revocation_list(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    url = remote.server.json(
        "/revocations",
        {
            "id": remote.server.base_url + "/revocations",
            "issuer": remote.did,
            "revokedCredentials": [
                {"id": "urn:uuid:00000000-0000-4000-8000-00000000dead", "revocationReason": "Fraud"}
            ],
        },
    )
    entry = {"id": url, "type": "1EdTechRevocationList"}
    ok = remote.sign(remote.badge(credentialStatus=entry))
    assert _verify(verifier_services, session, ok).verified
    revoked = remote.sign(
        remote.badge(credentialStatus=entry, id="urn:uuid:00000000-0000-4000-8000-00000000dead")
    )
    report = _verify(verifier_services, session, revoked)
    assert _failed(report) == {"revocation": "REVOKED"}
    assert "Fraud" in report.failed()[0].message


def test_status_list_is_fetched_once_while_cached(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    url = remote.status_list("cached", "revocation")
    signed = remote.sign(remote.badge(credentialStatus=remote.entry(url, 5, "revocation")))
    for _ in range(3):
        assert _verify(verifier_services, session, signed).verified
    assert remote.server.hits["/status/cached"] == 1
    assert remote.server.hits["/issuers/elsewhere/did.json"] == 1


def test_report_answers_now(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    signed = remote.sign(remote.badge(validUntil="2030-01-01T00:00:00Z"))
    later = datetime(2031, 1, 1, tzinfo=UTC)
    report = verifier_services.verifier.verify(session, signed, now=later)
    assert _failed(report) == {"validity": "EXPIRED"}


def test_https_key_document_listed_by_its_controller(
    remote: RemoteIssuer, verifier_services: Services, session: Session
) -> None:
    """OB 3.0 §8.5: a verification method at an HTTPS URL, its controller's DID document
    listing it for assertionMethod."""
    key_url = f"{remote.server.base_url}/keys/ed-1"
    remote.server.json(
        "/keys/ed-1",
        {
            "id": key_url,
            "type": "Multikey",
            "controller": remote.did,
            "publicKeyMultibase": encode_multikey(remote.ed_key.public_key()),
        },
    )
    signed = remote.sign(remote.badge(), vm=key_url)
    report = _verify(verifier_services, session, signed)
    assert _failed(report) == {"issuer_key": "KEY_NOT_FOUND"}  # not listed yet
    assert "does not list" in report.failed()[0].message

    document = remote.did_document()
    document["assertionMethod"].append(key_url)
    remote.server.json("/issuers/elsewhere/did.json", document)
    verifier_services.verifier.fetcher.clear_cache()  # type: ignore[union-attr]
    report = _verify(verifier_services, session, signed)
    assert report.verified, report.to_json()
