"""One active key per organization and type, enforced by the database (security finding 6)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.issuers.keys.repository import all_keys
from app.models import KeyStatus, SigningKey
from tests.factories import Factory


def test_five_parallel_rotations_leave_one_active_key(factory: Factory) -> None:
    caller = factory.caller("acme")

    def rotate(_: int) -> tuple[int, dict]:
        answer = factory.client.post("/api/v1/keys/rotate", json={}, headers=caller.headers)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(rotate, range(5)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409}, results
    for status, body in results:
        if status == 409:  # a loser that ran out of retries: a problem, not a 500
            assert body["type"].endswith("/conflict") and "retry" in body["detail"]
    with Session(factory.services.engine) as session:
        keys = all_keys(session, caller.org.id)
    active = [k for k in keys if k.status == KeyStatus.ACTIVE]
    assert len(active) == 1
    # Every successful rotation retired the key before it: serial, none lost.
    assert len(keys) == 1 + statuses.count(201)
    assert {body["kid"] for status, body in results if status == 201} >= {active[0].fragment}


def test_the_database_refuses_a_second_active_key(factory: Factory) -> None:
    org = factory.org("acme")
    with Session(factory.services.engine) as session:
        for org_id in (org.id, None):  # an organization's key, and the instance key
            session.add(
                SigningKey(
                    org_id=org_id,
                    fragment=f"dup-{org_id}",
                    key_type="Ed25519",
                    public_jwk="{}",
                    file_name="none.pem",
                )
            )
            with pytest.raises(IntegrityError):
                session.flush()
            session.rollback()
        session.add(  # another type, or a retired key, is fine
            SigningKey(
                org_id=org.id, fragment="p256", key_type="P-256", public_jwk="{}", file_name="x"
            )
        )
        session.add(
            SigningKey(
                org_id=org.id,
                fragment="old",
                key_type="Ed25519",
                status=KeyStatus.RETIRED,
                public_jwk="{}",
                file_name="y",
            )
        )
        session.commit()


def test_two_parallel_reissues_of_a_revoked_key_reissue_each_credential_once(
    factory: Factory,
) -> None:
    """Security finding 7: two concurrent ``keys/{kid}/reissue`` deadlocked (one 500)."""
    caller = factory.caller("acme")
    olds = [factory.issue(caller) for _ in range(4)]
    kid = olds[0]["proof"]["verificationMethod"].partition("#")[2]
    assert factory.client.post("/api/v1/keys/rotate", json={}, headers=caller.headers).is_success
    revoked = factory.client.post(f"/api/v1/keys/{kid}/revoke", headers=caller.headers)
    assert revoked.status_code == 200, revoked.text

    def reissue(_: int) -> tuple[int, dict]:
        answer = factory.client.post(f"/api/v1/keys/{kid}/reissue", headers=caller.headers)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(reissue, range(2)))
    assert {status for status, _ in results} <= {200, 409}, results
    successors: dict[str, str] = {}
    for status, body in results:
        if status == 200:
            assert not set(body["reissued"]) & set(successors), results  # never twice
            successors.update(body["reissued"])
    left = factory.client.get(f"/api/v1/keys/{kid}/credentials", headers=caller.headers)
    if left.json()["credentials"]:  # a loser answered 409: a retry finishes the job
        retried = factory.client.post(f"/api/v1/keys/{kid}/reissue", headers=caller.headers)
        successors.update(retried.json()["reissued"])
    assert set(successors) == {vc["id"].removeprefix("urn:uuid:") for vc in olds}
    left = factory.client.get(f"/api/v1/keys/{kid}/credentials", headers=caller.headers)
    assert left.json()["credentials"] == []
