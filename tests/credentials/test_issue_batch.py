"""POST /credentials/issue:batch: VC-API-shaped items, each atomic and answered on its own."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.models import IssuedCredential, StatusEntry, StatusEvent
from tests.factories import Factory, open_badge

BATCH = "/credentials/issue:batch"


def items(*credentials: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"items": [{"credential": c, "options": options} for c in credentials]}


def count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_each_item_is_issued_signed_stored_and_verifiable(factory: Factory, session) -> None:
    caller = factory.caller()
    response = factory.client.post(
        BATCH, json=items(*(open_badge(f"Course {n}") for n in range(5))), headers=caller.headers
    )
    assert response.status_code == 200, response.text
    answers = response.json()["items"]
    assert [a["status"] for a in answers] == [201] * 5
    names = [a["verifiableCredential"]["name"] for a in answers]
    assert names == [f"Course {n}" for n in range(5)]  # in the order asked
    indexes = {a["verifiableCredential"]["credentialStatus"]["statusListIndex"] for a in answers}
    assert len(indexes) == 5
    for answer in answers:
        vc = answer["verifiableCredential"]
        report = factory.services.verifier.verify(session, vc)
        assert report.verified, report.to_json()
        uuid = vc["id"].removeprefix("urn:uuid:")
        stored = factory.client.get(f"/credentials/{uuid}")
        assert json.loads(stored.content) == vc  # the answer is the stored credential
    assert count(session, IssuedCredential) == 5
    assert count(session, StatusEntry) == 5
    assert count(session, StatusEvent) == 5


def test_a_refused_item_is_answered_alone_and_the_others_stored(factory: Factory, session) -> None:
    caller = factory.caller()
    bad = open_badge()
    bad["credentialStatus"] = {"id": "https://example.edu/status#1"}
    taken = open_badge("Taken id")
    taken["id"] = "urn:uuid:3f8a3c1e-7b1a-4c55-9a2b-1d2e3f4a5b6c"
    first = factory.client.post(BATCH, json=items(taken), headers=caller.headers)
    assert first.json()["items"][0]["status"] == 201

    response = factory.client.post(
        BATCH, json=items(open_badge("A"), bad, taken, open_badge("B")), headers=caller.headers
    )
    assert response.status_code == 200, response.text
    answers = response.json()["items"]
    assert [a["status"] for a in answers] == [201, 422, 409, 201]
    assert answers[1]["problem"]["field"] == "credential.credentialStatus"
    assert "already exists" in answers[2]["problem"]["detail"]
    assert count(session, IssuedCredential) == 3  # taken + A + B, nothing of the refused
    assert count(session, StatusEntry) == 3


def test_the_same_id_twice_in_one_batch_stores_it_once(factory: Factory, session) -> None:
    caller = factory.caller()
    twice = open_badge("Twice")
    twice["id"] = "urn:uuid:8b0e2f7c-1d2a-4b3c-8d4e-5f6a7b8c9d0e"
    response = factory.client.post(
        BATCH, json=items(twice, open_badge("Other"), twice), headers=caller.headers
    )
    statuses = [a["status"] for a in response.json()["items"]]
    assert statuses == [201, 201, 409], response.text
    assert count(session, IssuedCredential) == 2
    assert count(session, StatusEntry) == 2


def test_batch_needs_the_issue_scope_and_a_token(factory: Factory) -> None:
    body = items(open_badge())
    assert factory.client.post(BATCH, json=body).status_code == 401
    reader = factory.caller("acme", ["credentials:status"])
    assert factory.client.post(BATCH, json=body, headers=reader.headers).status_code == 403


def test_more_than_a_thousand_items_is_refused(factory: Factory) -> None:
    caller = factory.caller()
    body = {"items": [{"credential": {}}] * 1001}
    response = factory.client.post(BATCH, json=body, headers=caller.headers)
    assert response.status_code == 422
    assert "items" in response.text


def test_jwt_items_and_retries_with_an_idempotency_key(factory: Factory, session) -> None:
    caller = factory.caller()
    body = {
        "items": [
            {"credential": open_badge(), "options": {"format": "jwt_vc_json"}},
            {"credential": open_badge()},
        ]
    }
    headers = {**caller.headers, "Idempotency-Key": "batch-1"}
    first = factory.client.post(BATCH, json=body, headers=headers)
    assert first.status_code == 200, first.text
    answers = first.json()["items"]
    assert isinstance(answers[0]["verifiableCredential"], str)  # a compact JWS
    assert answers[0]["verifiableCredential"].count(".") == 2
    again = factory.client.post(BATCH, json=body, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == first.content
    assert count(session, IssuedCredential) == 2
