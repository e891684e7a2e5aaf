"""All queries on grades, awards and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, insert, or_, update
from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    Course,
    CourseAward,
    CourseGrade,
    IssuedCredential,
    Learner,
    Program,
    ProgramAward,
    ProgramAwardCourse,
)
from app.models.enums import CredentialStatus


def grade_for(session: Session, learner_id: int, course_id: int) -> CourseGrade | None:
    stmt = select(CourseGrade).where(
        CourseGrade.learner_id == learner_id, CourseGrade.course_id == course_id
    )
    return session.exec(stmt).first()


def _newer_than(stamp: Any, event_col: Any, ts: datetime, event_id: str) -> Any:
    """SQL for "(ts, event_id) is newer than the stored pair": newest LMS time wins, equal
    times are broken by event id, so the final state does not depend on arrival order."""
    return or_(
        col(stamp).is_(None),
        col(stamp) < ts,
        and_(col(stamp) == ts, func.coalesce(event_col, "") < event_id),
    )


def update_grade_if_newer(
    session: Session, grade_id: int, ts: datetime, event_id: str, values: dict[str, Any]
) -> bool:
    """Compare-and-set in one statement: two racing events can never both win, and the
    older one never overwrites the newer (a read-then-write would lose updates)."""
    stmt = (
        update(CourseGrade)
        .where(
            col(CourseGrade.id) == grade_id,
            _newer_than(CourseGrade.graded_at, CourseGrade.grade_event_id, ts, event_id),
        )
        .values(graded_at=ts, grade_event_id=event_id, **values)
        .execution_options(synchronize_session=False)
    )
    return session.exec(stmt).rowcount == 1


def update_completion_if_newer(
    session: Session, grade_id: int, ts: datetime, event_id: str, values: dict[str, Any]
) -> bool:
    stmt = (
        update(CourseGrade)
        .where(
            col(CourseGrade.id) == grade_id,
            _newer_than(CourseGrade.completed_at, CourseGrade.completion_event_id, ts, event_id),
        )
        .values(completed_at=ts, completion_event_id=event_id, **values)
        .execution_options(synchronize_session=False)
    )
    return session.exec(stmt).rowcount == 1


def update_learner_if_newer(
    session: Session, learner_id: int, ts: datetime, values: dict[str, Any]
) -> bool:
    """Learner facts from an event apply unless newer ones (LMS time) are stored."""
    stmt = (
        update(Learner)
        .where(
            col(Learner.id) == learner_id,
            or_(col(Learner.info_timestamp).is_(None), col(Learner.info_timestamp) <= ts),
        )
        .values(info_timestamp=ts, **values)
        .execution_options(synchronize_session=False)
    )
    return session.exec(stmt).rowcount == 1


# -- many at once (batches: grades:batch, the event bus) ---------------------------------------


def learners_by_lms_ids(
    session: Session, org_id: int, lms_ids: Sequence[str]
) -> dict[str, Learner]:
    if not lms_ids:
        return {}
    stmt = select(Learner).where(Learner.org_id == org_id, col(Learner.lms_id).in_(list(lms_ids)))
    return {learner.lms_id: learner for learner in session.exec(stmt)}


def insert_learners(session: Session, rows: list[dict[str, Any]]) -> None:
    """New learners in one executemany; a learner a concurrent unit created first raises
    ``IntegrityError`` (the caller undoes the batch and goes one event at a time)."""
    if rows:
        session.connection().execute(insert(Learner.__table__), rows)  # type: ignore[attr-defined]


def grades_for_pairs(
    session: Session, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], CourseGrade]:
    """The stored grades of (learner id, course id) pairs."""
    if not pairs:
        return {}
    stmt = select(CourseGrade).where(
        col(CourseGrade.learner_id).in_({p[0] for p in pairs}),
        col(CourseGrade.course_id).in_({p[1] for p in pairs}),
    )
    found = {(g.learner_id, g.course_id): g for g in session.exec(stmt)}
    return {pair: grade for pair, grade in found.items() if pair in pairs}


def insert_grades(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(CourseGrade.__table__), rows)  # type: ignore[attr-defined]


def course_awards_for_pairs(
    session: Session, org_id: int, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], CourseAward]:
    """The course awards of (learner id, course id) pairs."""
    if not pairs:
        return {}
    stmt = select(CourseAward).where(
        CourseAward.org_id == org_id,
        col(CourseAward.learner_id).in_({p[0] for p in pairs}),
        col(CourseAward.course_id).in_({p[1] for p in pairs}),
    )
    found = {(a.learner_id, a.course_id): a for a in session.exec(stmt)}
    return {pair: award for pair, award in found.items() if pair in pairs}


def insert_course_awards(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(CourseAward.__table__), rows)  # type: ignore[attr-defined]


def insert_audit_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)  # type: ignore[attr-defined]


def grades_of(session: Session, learner_id: int) -> list[tuple[CourseGrade, Course]]:
    stmt = (
        select(CourseGrade, Course)
        .join(Course, col(Course.id) == col(CourseGrade.course_id))
        .where(CourseGrade.learner_id == learner_id)
        .order_by(col(Course.key))
    )
    return list(session.exec(stmt))


def course_award(
    session: Session, org_id: int, learner_id: int, course_id: int
) -> CourseAward | None:
    stmt = select(CourseAward).where(
        CourseAward.org_id == org_id,
        CourseAward.learner_id == learner_id,
        CourseAward.course_id == course_id,
    )
    return session.exec(stmt).first()


def course_award_by_credential(session: Session, uuid: str) -> CourseAward | None:
    return session.exec(select(CourseAward).where(CourseAward.credential_uuid == uuid)).first()


def program_award(
    session: Session, org_id: int, learner_id: int, program_id: int
) -> ProgramAward | None:
    stmt = select(ProgramAward).where(
        ProgramAward.org_id == org_id,
        ProgramAward.learner_id == learner_id,
        ProgramAward.program_id == program_id,
    )
    return session.exec(stmt).first()


def program_award_by_credential(session: Session, uuid: str) -> ProgramAward | None:
    return session.exec(select(ProgramAward).where(ProgramAward.credential_uuid == uuid)).first()


def course_has_awards(session: Session, course_id: int) -> bool:
    stmt = select(CourseAward.id).where(CourseAward.course_id == course_id).limit(1)
    return session.exec(stmt).first() is not None


def program_has_awards(session: Session, program_id: int) -> bool:
    stmt = select(ProgramAward.id).where(ProgramAward.program_id == program_id).limit(1)
    return session.exec(stmt).first() is not None


def course_awards_of(
    session: Session, learner_id: int, *, active_only: bool = False
) -> list[tuple[CourseAward, Course, IssuedCredential]]:
    """A learner's course awards with their run and current credential, oldest first."""
    stmt = (
        select(CourseAward, Course, IssuedCredential)
        .join(Course, col(Course.id) == col(CourseAward.course_id))
        .join(IssuedCredential, col(IssuedCredential.uuid) == col(CourseAward.credential_uuid))
        .where(CourseAward.learner_id == learner_id)
        .order_by(col(CourseAward.awarded_at), col(CourseAward.id))
    )
    if active_only:
        stmt = stmt.where(IssuedCredential.status != CredentialStatus.REVOKED)
    return list(session.exec(stmt))


def program_awards_of(
    session: Session, learner_id: int
) -> list[tuple[ProgramAward, Program, IssuedCredential]]:
    stmt = (
        select(ProgramAward, Program, IssuedCredential)
        .join(Program, col(Program.id) == col(ProgramAward.program_id))
        .join(IssuedCredential, col(IssuedCredential.uuid) == col(ProgramAward.credential_uuid))
        .where(ProgramAward.learner_id == learner_id)
        .order_by(col(ProgramAward.awarded_at), col(ProgramAward.id))
    )
    return list(session.exec(stmt))


def program_awards_counting(session: Session, course_award_id: int) -> list[ProgramAward]:
    stmt = (
        select(ProgramAward)
        .join(ProgramAwardCourse, col(ProgramAwardCourse.program_award_id) == col(ProgramAward.id))
        .where(ProgramAwardCourse.course_award_id == course_award_id)
    )
    return list(session.exec(stmt))


def counted_course_awards(
    session: Session, program_award_id: int
) -> list[tuple[CourseAward, Course, IssuedCredential]]:
    stmt = (
        select(CourseAward, Course, IssuedCredential)
        .join(ProgramAwardCourse, col(ProgramAwardCourse.course_award_id) == col(CourseAward.id))
        .join(Course, col(Course.id) == col(CourseAward.course_id))
        .join(IssuedCredential, col(IssuedCredential.uuid) == col(CourseAward.credential_uuid))
        .where(ProgramAwardCourse.program_award_id == program_award_id)
        .order_by(col(CourseAward.awarded_at))
    )
    return list(session.exec(stmt))


def link_counted(session: Session, program_award_id: int, course_award_ids: list[int]) -> None:
    """Replace the course awards a program award rests on."""
    session.exec(
        delete(ProgramAwardCourse).where(
            col(ProgramAwardCourse.program_award_id) == program_award_id
        )
    )
    for award_id in course_award_ids:
        session.add(ProgramAwardCourse(program_award_id=program_award_id, course_award_id=award_id))


def set_public_from_for_course(session: Session, course_id: int, value: datetime | None) -> None:
    """A changed certificate available date applies to the run's credentials already issued."""
    uuids = select(CourseAward.credential_uuid).where(CourseAward.course_id == course_id)
    session.exec(
        update(IssuedCredential)
        .where(col(IssuedCredential.uuid).in_(uuids))
        .values(public_from=value)
    )


def audit_page(
    session: Session,
    org_id: int,
    limit: int,
    offset: int,
    learner: str | None = None,
    action: str | None = None,
) -> tuple[list[AuditEvent], int]:
    stmt = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if learner is not None:
        stmt = stmt.where(AuditEvent.learner_lms_id == learner)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def export_course_rows(
    session: Session, org_id: int, after_id: int, chunk: int
) -> list[tuple[CourseAward, Course, Learner, IssuedCredential]]:
    """One chunk of an organization's course awards (keyset pagination on the award id)."""
    stmt = (
        select(CourseAward, Course, Learner, IssuedCredential)
        .join(Course, col(Course.id) == col(CourseAward.course_id))
        .join(Learner, col(Learner.id) == col(CourseAward.learner_id))
        .join(IssuedCredential, col(IssuedCredential.uuid) == col(CourseAward.credential_uuid))
        .where(CourseAward.org_id == org_id, col(CourseAward.id) > after_id)
        .order_by(col(CourseAward.id))
        .limit(chunk)
    )
    return list(session.exec(stmt))


def export_program_rows(
    session: Session, org_id: int, after_id: int, chunk: int
) -> list[tuple[ProgramAward, Program, Learner, IssuedCredential]]:
    stmt = (
        select(ProgramAward, Program, Learner, IssuedCredential)
        .join(Program, col(Program.id) == col(ProgramAward.program_id))
        .join(Learner, col(Learner.id) == col(ProgramAward.learner_id))
        .join(IssuedCredential, col(IssuedCredential.uuid) == col(ProgramAward.credential_uuid))
        .where(ProgramAward.org_id == org_id, col(ProgramAward.id) > after_id)
        .order_by(col(ProgramAward.id))
        .limit(chunk)
    )
    return list(session.exec(stmt))


Row = TypeVar("Row", bound=tuple[Any, ...])


def iterate_chunks(fetch: Callable[[int, int], Sequence[Row]], chunk: int = 500) -> Iterator[Row]:
    """Rows of ``fetch(after_id, chunk)`` until exhausted; the first element carries ``id``."""
    after = 0
    while True:
        rows = fetch(after, chunk)
        if not rows:
            return
        yield from rows
        after = rows[-1][0].id
