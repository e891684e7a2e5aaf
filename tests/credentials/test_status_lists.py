"""Revocation and suspension through signed Bitstring Status Lists (issue: status lists)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from app.core.status.bitstring import Bitstring
from app.models import Organization, StatusList
from tests.factories import ApiCaller, Factory, open_badge

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
SPEC_EXAMPLE = json.loads((VECTORS / "bitstring-status-list_example.json").read_text())


def generic_vc() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "credentialSubject": {"id": "did:example:learner", "degree": "BSc"},
    }


def _uuid(vc: dict[str, Any]) -> str:
    return vc["id"].removeprefix("urn:uuid:")


def _list_of(factory: Factory, entry: dict[str, Any]) -> dict[str, Any]:
    path = entry["statusListCredential"].removeprefix("https://laurel.test")
    response = factory.client.get(path)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _bit(factory: Factory, entry: dict[str, Any]) -> int:
    encoded = _list_of(factory, entry)["credentialSubject"]["encodedList"]
    return Bitstring.decode(encoded).get(int(entry["statusListIndex"]))


def _enable_suspension(factory: Factory, org: Organization) -> None:
    with Session(factory.services.engine) as session:
        row = session.get(Organization, org.id)
        assert row is not None
        row.suspension_enabled = True
        session.add(row)
        session.commit()


def _post(factory: Factory, caller: ApiCaller, uuid: str, action: str, reason: str = "x"):  # type: ignore[no-untyped-def]
    return factory.client.post(
        f"/api/v1/credentials/{uuid}/{action}", json={"reason": reason}, headers=caller.headers
    )


def test_open_badge_carries_one_revocation_entry(factory: Factory) -> None:
    vc = factory.issue(factory.caller())
    entry = vc["credentialStatus"]
    assert isinstance(entry, dict)  # the OB 3.0 JSON Schema allows one object only
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListIndex"].isdigit()
    assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
    assert 0 <= int(entry["statusListIndex"]) < 131072


def test_new_list_is_the_spec_example_and_its_proof_verifies(factory: Factory, session) -> None:
    vc = factory.issue(factory.caller())
    status_list = _list_of(factory, vc["credentialStatus"])
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["issuer"] == "did:web:laurel.test:orgs:acme"
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    # An empty list encodes exactly as the spec's example (deterministic GZIP header).
    spec_list = SPEC_EXAMPLE["statusListCredential"]["credentialSubject"]["encodedList"]
    assert subject["encodedList"] == spec_list
    assert len(Bitstring.decode(subject["encodedList"])) == 131072
    report = factory.services.verifier.verify(session, status_list)
    assert any(c.name == "proof" and c.passed for c in report.checks)
    assert report.verified, report.to_json()


def test_revocation_fails_verification_with_a_named_check(factory: Factory, session) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    assert factory.services.verifier.verify(session, vc).verified
    assert _bit(factory, vc["credentialStatus"]) == 0
    response = _post(factory, caller, _uuid(vc), "revoke", "academic misconduct")
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["status"] == "revoked"
    assert record["status_reason"] == "academic misconduct"
    assert [e["action"] for e in record["history"]] == ["issued", "revoked"]
    assert _bit(factory, vc["credentialStatus"]) == 1
    report = factory.services.verifier.verify(session, vc)
    assert not report.verified
    [check] = [c for c in report.checks if c.name == "revocation"]
    assert not check.passed and check.code == "REVOKED"
    again = _post(factory, caller, _uuid(vc), "revoke")
    assert again.status_code == 409
    assert _post(factory, caller, _uuid(vc), "reinstate").status_code == 409


def test_suspension_fails_then_passes_after_reinstatement(factory: Factory, session) -> None:
    caller = factory.caller()
    _enable_suspension(factory, caller.org)
    vc = factory.issue(caller)
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    assert _post(factory, caller, _uuid(vc), "suspend", "under review").status_code == 200
    report = factory.services.verifier.verify(session, vc)
    assert not report.verified
    assert any(c.name == "suspension" and c.code == "SUSPENDED" for c in report.checks)
    assert _post(factory, caller, _uuid(vc), "reinstate", "cleared").status_code == 200
    assert factory.services.verifier.verify(session, vc).verified


def test_suspend_without_suspension_entry_is_conflict(factory: Factory) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    response = _post(factory, caller, _uuid(vc), "suspend")
    assert response.status_code == 409
    assert "suspension" in response.json()["detail"]


def test_non_open_badge_always_carries_both(factory: Factory) -> None:
    vc = factory.issue(factory.caller(), generic_vc())
    purposes = [e["statusPurpose"] for e in vc["credentialStatus"]]
    assert purposes == ["revocation", "suspension"]


def test_another_org_cannot_see_or_change_status(factory: Factory) -> None:
    vc = factory.issue(factory.caller("acme"))
    other = factory.caller("globex")
    assert _post(factory, other, _uuid(vc), "revoke").status_code == 404
    assert (
        factory.client.get(f"/api/v1/credentials/{_uuid(vc)}", headers=other.headers).status_code
        == 404
    )


def test_vc_api_status_endpoint(factory: Factory, session) -> None:
    caller = factory.caller()
    vc = factory.issue(caller, generic_vc())
    body = {
        "credentialId": vc["id"],
        "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}],
        "status": True,
    }
    assert (
        factory.client.post("/credentials/status", json=body, headers=caller.headers).status_code
        == 200
    )
    assert not factory.services.verifier.verify(session, vc).verified
    body["status"] = False
    assert (
        factory.client.post("/credentials/status", json=body, headers=caller.headers).json()[
            "status"
        ]
        == "active"
    )
    assert factory.services.verifier.verify(session, vc).verified
    body["credentialStatus"] = {"statusPurpose": "revocation"}
    body["status"] = False
    assert (
        factory.client.post("/credentials/status", json=body, headers=caller.headers).status_code
        == 409
    )


def test_list_is_signed_once_per_change_with_etag(factory: Factory) -> None:
    caller = factory.caller()
    vc = factory.issue(caller)
    path = vc["credentialStatus"]["statusListCredential"].removeprefix("https://laurel.test")
    first = factory.client.get(path)
    second = factory.client.get(path)
    assert first.content == second.content  # not re-signed per request
    assert first.headers["etag"] == second.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    cached = factory.client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
    _post(factory, caller, _uuid(vc), "revoke")
    third = factory.client.get(path)
    assert third.headers["etag"] != first.headers["etag"]


def test_reissue_keeps_awarded_date_and_supersedes(factory: Factory, session) -> None:
    caller = factory.caller()
    old = factory.issue(caller)
    response = factory.client.post(
        f"/api/v1/credentials/{_uuid(old)}/reissue", headers=caller.headers
    )
    assert response.status_code == 201, response.text
    successor_uuid = response.json()["uuid"]
    new = factory.client.get(f"/credentials/{successor_uuid}").json()
    assert new["awardedDate"] == old["validFrom"]
    assert new["id"] != old["id"]
    assert factory.services.verifier.verify(session, new).verified
    old_record = factory.client.get(
        f"/api/v1/credentials/{_uuid(old)}", headers=caller.headers
    ).json()
    assert old_record["status"] == "revoked"
    assert old_record["status_reason"] == "superseded"
    assert old_record["superseded_by"] == successor_uuid
    assert not factory.services.verifier.verify(session, old).verified


def test_reissue_needs_the_status_scope(factory: Factory) -> None:
    """Reissue revokes the original, so an issue-only client may not do it."""
    issuer = factory.caller("acme", ["credentials:issue"])
    old = factory.issue(issuer)
    refused = factory.client.post(
        f"/api/v1/credentials/{_uuid(old)}/reissue", headers=issuer.headers
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["scope"] == "credentials:status"
    admin = factory.caller("acme")
    record = factory.client.get(f"/api/v1/credentials/{_uuid(old)}", headers=admin.headers)
    assert record.json()["status"] == "active"
    both = factory.caller("acme", ["credentials:issue", "credentials:status"])
    done = factory.client.post(f"/api/v1/credentials/{_uuid(old)}/reissue", headers=both.headers)
    assert done.status_code == 201, done.text


def test_full_list_rolls_over_without_reuse(factory: Factory) -> None:
    factory.services.status_lists.size = 8  # tiny lists, to see the rollover
    caller = factory.caller()
    entries = [factory.issue(caller)["credentialStatus"] for _ in range(12)]
    lists = {e["statusListCredential"] for e in entries}
    assert len(lists) == 2
    pairs = {(e["statusListCredential"], e["statusListIndex"]) for e in entries}
    assert len(pairs) == 12


def test_a_list_with_no_free_position_is_a_503_problem(factory: Factory, session: Session) -> None:
    factory.services.status_lists.size = 8
    caller = factory.caller()
    for _ in range(8):
        factory.issue(caller, generic_vc())
    # Every position is taken, but the counter lost track (e.g. a restored backup): the lists
    # look open. Issuing is refused as a retryable 503 problem, not a 500.
    session.execute(update(StatusList).values(full=False, allocated=0))
    session.commit()
    response = factory.client.post(
        "/credentials/issue", json={"credential": generic_vc()}, headers=caller.headers
    )
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 503 and "is full" in problem["detail"]


def test_concurrent_issuance_never_reuses_an_index(factory: Factory) -> None:
    caller = factory.caller()

    def issue(_: int) -> list[tuple[str, str]]:
        response = factory.client.post(
            "/credentials/issue", json={"credential": generic_vc()}, headers=caller.headers
        )
        assert response.status_code == 201, response.text
        status = response.json()["verifiableCredential"]["credentialStatus"]
        return [(e["statusListCredential"], e["statusListIndex"]) for e in status]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [pair for pairs in pool.map(issue, range(200)) for pair in pairs]
    assert len(results) == 400
    assert len(set(results)) == 400


def test_open_badge_with_status_still_validates_against_schema(factory: Factory) -> None:
    from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA

    vc = factory.issue(factory.caller(), open_badge())
    assert not factory.services.schemas.errors(OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, vc)
