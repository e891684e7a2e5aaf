"""Idempotency-Key: same key and body replay the stored response; a different body is a 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, func, select

from app.models import IssuedCredential
from tests.lms import Lms


def test_idempotency_key_semantics(lms: Lms) -> None:
    body = {"key": "course-v1:Acme+IK+1", "title": "Idempotent", "passing_grade": 0.5}
    first = lms.post("/courses", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    # same key, same body (keys reordered): the stored response, not a 409 "exists"
    replay = lms.post("/courses", dict(reversed(body.items())), **{"Idempotency-Key": "k-1"})
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    changed = lms.post("/courses", {**body, "title": "Other"}, **{"Idempotency-Key": "k-1"})
    assert changed.status_code == 409 and changed.json()["field"] == "Idempotency-Key"
    elsewhere = lms.post("/learners", {"id": "u1"}, **{"Idempotency-Key": "k-1"})
    assert elsewhere.status_code == 409
    # without a key the usual rules apply
    assert lms.post("/courses", body).status_code == 409

    event = lms.grade_event(run=body["key"], grade=0.9)
    graded = lms.post("/grades", event, **{"Idempotency-Key": "g-1"})
    again = lms.post("/grades", event, **{"Idempotency-Key": "g-1"})
    assert graded.status_code == again.status_code == 201
    assert again.content == graded.content
    # errors are stored too: the same bad request gets the same answer
    bad = {**lms.grade_event(), "course_run": "course-v1:Nope+X+1"}
    assert lms.post("/grades", bad, **{"Idempotency-Key": "g-2"}).status_code == 404
    assert lms.post("/grades", bad, **{"Idempotency-Key": "g-2"}).status_code == 404
    # keys belong to a client: another client's same key is its own
    other = Lms(lms.factory, lms.factory.caller("acme"))
    assert other.post("/learners", {"id": "u7"}, **{"Idempotency-Key": "k-1"}).status_code == 201


def test_racing_requests_with_one_key_run_once(lms: Lms) -> None:
    lms.course("course-v1:Acme+IK+2", passing_grade=0.5)
    event = lms.grade_event(run="course-v1:Acme+IK+2", learner="r", grade=0.9)

    def post(_: int) -> int:
        return lms.post("/grades", event, **{"Idempotency-Key": "race-1"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(8)))
    # one ran (201); the others replayed it (201) or found it still running (409)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    with Session(lms.services.engine) as session:
        assert session.exec(select(func.count()).select_from(IssuedCredential)).one() == 1
