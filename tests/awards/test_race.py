"""Racing duplicates: the database constraint, not a check before insert, keeps awards single.

Threads post through the ASGI app concurrently; on PostgreSQL the transactions truly overlap.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlmodel import Session, func, select

from app.models import CourseAward, IssuedCredential, Learner, ProgramAward
from tests.lms import Lms


def _race(lms: Lms, bodies: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = lms.post("/grades", body)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _count(lms: Lms, model: type, **where: Any) -> int:
    with Session(lms.services.engine) as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return session.exec(stmt).one()  # type: ignore[no-any-return]


def test_twenty_copies_of_one_event_award_once(lms: Lms) -> None:
    lms.course()
    event = lms.grade_event(learner="racer", grade=0.9)
    results = _race(lms, [event] * 20)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 19 + [201], results
    assert {body["credential"]["id"] for _, body in results} == {results[0][1]["credential"]["id"]}
    assert _count(lms, IssuedCredential) == 1
    assert _count(lms, CourseAward) == 1
    assert _count(lms, Learner) == 1


def test_twenty_distinct_passing_events_award_once(lms: Lms) -> None:
    lms.course()
    bodies = [lms.grade_event(learner="racer", grade=(70 + i) / 100, minute=i) for i in range(20)]
    results = _race(lms, bodies)
    assert sum(1 for status, _ in results if status == 201) == 1, results
    assert all(status in (200, 201) for status, _ in results), results
    assert _count(lms, IssuedCredential) == 1
    # the newest grade is the one stored, whatever the order of arrival
    assert lms.get("/learners/racer/grades").json()[0]["percent_grade"] == 0.89


def test_racing_last_courses_award_the_program_once(lms: Lms) -> None:
    runs = [f"course-v1:Acme+CS10{n}+2026_T1" for n in (1, 2, 3)]
    for run in runs:
        lms.course(run)
    lms.program("trio", ["Acme+CS101", "Acme+CS102", "Acme+CS103"])
    lms.grade(expect=201, learner="p", run=runs[0])
    results = _race(lms, [lms.grade_event(learner="p", run=run, minute=5) for run in runs[1:]] * 3)
    assert sum(1 for status, _ in results if status == 201) == 2, results
    awarded = [p for _, body in results for p in body["programs"] if p["status"] == "awarded"]
    assert len(awarded) == 1, results
    assert _count(lms, ProgramAward) == 1
    assert _count(lms, IssuedCredential, kind="program") == 1
