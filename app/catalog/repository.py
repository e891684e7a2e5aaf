"""All queries on the catalog: course runs, programs, learners."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import delete, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models import Course, CourseGrade, Learner, Program, ProgramCourse

T = TypeVar("T")


def _page(
    session: Session, stmt: SelectOfScalar[T], limit: int, offset: int
) -> tuple[list[T], int]:
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    return list(session.exec(stmt.limit(limit).offset(offset))), total


# -- course runs ------------------------------------------------------------------------------


def course_by_key(session: Session, org_id: int, key: str) -> Course | None:
    stmt = select(Course).where(Course.org_id == org_id, Course.key == key)
    return session.exec(stmt).first()


def courses_page(
    session: Session, org_id: int, limit: int, offset: int, course: str | None = None
) -> tuple[list[Course], int]:
    stmt = select(Course).where(Course.org_id == org_id)
    if course is not None:
        stmt = stmt.where(Course.course_key == course)
    return _page(session, stmt.order_by(col(Course.key)), limit, offset)


def courses_by_ids(session: Session, ids: set[int]) -> dict[int, Course]:
    if not ids:
        return {}
    return {c.id: c for c in session.exec(select(Course).where(col(Course.id).in_(ids)))}


def delete_course(session: Session, course: Course) -> None:
    """With its stored grades (awards make a course undeletable: the caller checks)."""
    session.exec(delete(CourseGrade).where(col(CourseGrade.course_id) == course.id))
    session.delete(course)


# -- programs ---------------------------------------------------------------------------------


def program_by_slug(session: Session, org_id: int, slug: str) -> Program | None:
    stmt = select(Program).where(Program.org_id == org_id, Program.slug == slug)
    return session.exec(stmt).first()


def program_by_external_id(session: Session, org_id: int, external_id: str) -> Program | None:
    stmt = select(Program).where(Program.org_id == org_id, Program.external_id == external_id)
    return session.exec(stmt).first()


def programs_page(
    session: Session, org_id: int, limit: int, offset: int
) -> tuple[list[Program], int]:
    stmt = select(Program).where(Program.org_id == org_id).order_by(col(Program.slug))
    return _page(session, stmt, limit, offset)


def all_programs(session: Session, org_id: int) -> list[Program]:
    stmt = select(Program).where(Program.org_id == org_id).order_by(col(Program.slug))
    return list(session.exec(stmt))


def programs_with_course(session: Session, org_id: int, course_key: str) -> list[Program]:
    stmt = (
        select(Program)
        .join(ProgramCourse, col(ProgramCourse.program_id) == col(Program.id))
        .where(ProgramCourse.org_id == org_id, ProgramCourse.course_key == course_key)
        .order_by(col(Program.id))
    )
    return list(session.exec(stmt))


def programs_by_ids(session: Session, ids: set[int]) -> dict[int, Program]:
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Program).where(col(Program.id).in_(ids)))}


def set_program_courses(session: Session, program: Program, course_keys: list[str]) -> None:
    session.exec(delete(ProgramCourse).where(col(ProgramCourse.program_id) == program.id))
    for key in course_keys:
        session.add(ProgramCourse(program_id=program.id, org_id=program.org_id, course_key=key))


def delete_program(session: Session, program: Program) -> None:
    set_program_courses(session, program, [])
    session.delete(program)


# -- learners ---------------------------------------------------------------------------------


def learner_by_lms_id(session: Session, org_id: int, lms_id: str) -> Learner | None:
    stmt = select(Learner).where(Learner.org_id == org_id, Learner.lms_id == lms_id)
    return session.exec(stmt).first()


def learners_page(
    session: Session, org_id: int, limit: int, offset: int
) -> tuple[list[Learner], int]:
    stmt = select(Learner).where(Learner.org_id == org_id).order_by(col(Learner.lms_id))
    return _page(session, stmt, limit, offset)
