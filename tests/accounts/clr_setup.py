"""A learner with a program and its courses, awarded through the LMS API."""

from __future__ import annotations

from sqlmodel import Session

from app.models import Learner
from tests.lms import Lms

CS = "course-v1:Acme+CS{}+2026_T1"


def learner_with_program(lms: Lms, learner: str = "u1") -> dict[str, str]:
    """``learner`` earns CS101, CS102 and CS103; the program follows. Returns uuids."""
    for number in (101, 102, 103, 104):
        lms.course(CS.format(number), title=f"Course {number}")
    lms.program(
        "cs-fundamentals",
        ["Acme+CS101", "Acme+CS102"],
        [{"choose": 1, "courses": ["Acme+CS103", "Acme+CS104"]}],
        title="Computer Science Fundamentals",
    )
    uuids = {}
    for number, grade in ((101, 0.95), (102, 0.8), (103, 0.75)):
        outcome = lms.grade(
            expect=201, learner=learner, run=CS.format(number), grade=grade, name="Grace Hopper"
        )
        uuids[str(number)] = outcome["credential"]["uuid"]
    credentials = lms.get(f"/learners/{learner}/credentials").json()
    uuids["program"] = next(c["uuid"] for c in credentials if c["kind"] == "program")
    return uuids


def learner_row(lms: Lms, lms_id: str = "u1") -> Learner:
    from sqlmodel import select

    with Session(lms.services.engine) as session:
        row = session.exec(
            select(Learner).where(Learner.lms_id == lms_id, Learner.org_id == lms.caller.org.id)
        ).one()
        return row
