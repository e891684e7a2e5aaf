"""POST /grades:batch groups its writes (app/awards/grade_batch.py): it must decide exactly as
the same events one at a time, cost a fixed number of statements for first awards, and stay
single under racing writers."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from app.models import AuditEvent, CourseAward, CourseGrade, IssuedCredential, Learner
from tests.factories import Factory
from tests.lms import Lms


def _mixed_events(lms: Lms) -> list[Any]:
    """New, known, renamed, failing, refused, repeated, stale, unknown-run and malformed."""
    return [
        lms.grade_event(learner="new1", grade=0.9, letter_grade="A", event_id="m1"),
        lms.grade_event(learner="new2", grade=0.4, event_id="m2"),  # not passed
        lms.grade_event(learner="known", grade=0.95, minute=5, name="Known Renamed", event_id="m3"),
        lms.grade_event(learner="awarded", grade=0.99, minute=5, event_id="m4"),  # already
        lms.grade_event(learner="audit", grade=0.9, mode="audit", event_id="m5"),  # refused
        lms.grade_event(learner="twice", grade=0.7, minute=1, event_id="m6"),
        lms.grade_event(learner="twice", grade=0.9, minute=2, event_id="m7"),  # same pair again
        lms.grade_event(learner="stale", grade=0.65, minute=-5, event_id="m8"),  # older grade
        lms.grade_event(learner="nowhere", run="course-v1:Acme+NOPE+1", event_id="m9"),
        {**lms.grade_event(learner="bad"), "percent_grade": 3},
        lms.grade_event(learner="new1", run="course-v1:Acme+OTHER+1", grade=0.8, event_id="m10"),
        lms.grade_event(learner="future", minute=60 * 24 * 365 * 30, event_id="m11"),
    ]


def _prepare(lms: Lms) -> None:
    lms.course()
    lms.course("course-v1:Acme+OTHER+1")
    lms.grade(expect=200, learner="known", grade=0.3, name="Known Before", event_id="p1")
    lms.grade(expect=201, learner="awarded", grade=0.8, event_id="p2")
    lms.grade(expect=200, learner="stale", grade=0.5, event_id="p3")


def _state(lms: Lms) -> dict[str, Any]:
    """What a batch leaves behind, free of ids and times."""
    org_id = lms.caller.org.id
    with Session(lms.services.engine) as session:
        learners = session.exec(
            select(Learner.lms_id, Learner.name, Learner.email).where(Learner.org_id == org_id)
        ).all()
        grades = session.exec(
            select(Learner.lms_id, CourseGrade.percent_grade, CourseGrade.grade_event_id)
            .join(Learner, col(Learner.id) == col(CourseGrade.learner_id))
            .where(CourseGrade.org_id == org_id)
        ).all()
        awards = session.exec(
            select(Learner.lms_id, CourseAward.course_key, CourseAward.percent_grade)
            .join(Learner, col(Learner.id) == col(CourseAward.learner_id))
            .where(CourseAward.org_id == org_id)
        ).all()
        audit = session.exec(
            select(AuditEvent.action, AuditEvent.learner_lms_id, AuditEvent.reason).where(
                AuditEvent.org_id == org_id
            )
        ).all()
    return {
        "learners": sorted(learners),
        "grades": sorted(grades),
        "awards": sorted(awards),
        "audit": sorted(audit, key=str),
    }


def _outcome(item: dict[str, Any]) -> Any:
    outcome = item.get("outcome")
    if outcome is None:
        return (item["status"], item["error"]["field"])
    return (
        item["status"],
        outcome["learner"],
        outcome["course_run"],
        outcome["status"],
        outcome["reason"],
        outcome["stale"],
        outcome["credential"] is not None,
    )


def test_a_batch_decides_as_the_same_events_one_at_a_time(
    factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    grouped, alone = Lms(factory, factory.caller("acme")), Lms(factory, factory.caller("beta"))
    for lms in (grouped, alone):
        _prepare(lms)
    events = _mixed_events(grouped)
    with caplog.at_level(logging.INFO, logger="laurel.grading"):
        response = grouped.post("/grades:batch", {"events": events})
    assert "one event at a time" not in caplog.text  # the grouped path decided
    assert response.status_code == 200, response.text
    batch = response.json()["results"]
    one_by_one = []
    for body in events:
        answer = alone.post("/grades", body)
        item = {"status": answer.status_code}
        item["outcome" if answer.status_code < 300 else "error"] = answer.json()
        one_by_one.append(item)
    assert [_outcome(b) for b in batch] == [_outcome(o) for o in one_by_one]
    assert _state(grouped) == _state(alone)
    statuses = [b["outcome"]["status"] if b.get("outcome") else b["status"] for b in batch]
    assert statuses.count("awarded") == 4 and "already_awarded" in statuses
    for item in batch:
        if item.get("outcome") and item["outcome"]["status"] == "awarded":
            grouped.assert_valid(item["outcome"]["credential"]["uuid"])


def _statements(lms: Lms, learners: list[str]) -> int:
    engine = lms.services.engine
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        events = [lms.grade_event(learner=name, grade=0.9) for name in learners]
        response = lms.post("/grades:batch", {"events": events})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["awarded"] == len(learners)
    return len(seen)


def test_first_awards_cost_a_fixed_number_of_statements(lms: Lms) -> None:
    """One event at a time is some twenty-five statements each; the batch groups them."""
    lms.course()
    _statements(lms, ["warm"])  # the status list, the signing context
    few = _statements(lms, [f"few{n}" for n in range(5)])
    many = _statements(lms, [f"many{n}" for n in range(60)])
    assert many - few < 10, (few, many)


def test_a_batch_racing_single_events_awards_each_learner_once(lms: Lms) -> None:
    lms.course()
    names = [f"race{n}" for n in range(12)]
    batch = [lms.grade_event(learner=name, grade=0.9) for name in names]
    singles = [lms.grade_event(learner=name, grade=0.9) for name in names]

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        path = "/grades:batch" if "events" in body else "/grades"
        response = lms.post(path, body)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(post, [{"events": batch}, *singles]))
    assert all(status in (200, 201) for status, _ in answers), answers
    items = answers[0][1]["results"]
    assert {i["outcome"]["status"] for i in items} <= {"awarded", "already_awarded"}
    with Session(lms.services.engine) as session:
        per_learner = session.exec(
            select(Learner.lms_id, func.count())
            .join(CourseAward, col(CourseAward.learner_id) == col(Learner.id))
            .group_by(col(Learner.lms_id))
        ).all()
        issued = session.exec(select(func.count()).select_from(IssuedCredential)).one()
    assert sorted(per_learner) == sorted((name, 1) for name in names)
    assert issued == len(names)
