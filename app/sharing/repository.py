"""All queries on record share links and the catalog facts a learner record shows."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Course, HiddenCredential, Learner, Program, ProgramCourse, RecordShare


def share_by_id(session: Session, share_id: str) -> RecordShare | None:
    return session.get(RecordShare, share_id)


def shares_of(session: Session, learner_id: int) -> list[RecordShare]:
    stmt = (
        select(RecordShare)
        .where(RecordShare.learner_id == learner_id)
        .order_by(col(RecordShare.created_at), col(RecordShare.id))
    )
    return list(session.exec(stmt))


def learner_by_id(session: Session, learner_id: int) -> Learner | None:
    return session.get(Learner, learner_id)


def programs_naming(session: Session, org_id: int, course_keys: set[str]) -> list[Program]:
    """The organization's programs that name any of these courses, by title."""
    if not course_keys:
        return []
    naming = select(ProgramCourse.program_id).where(
        ProgramCourse.org_id == org_id, col(ProgramCourse.course_key).in_(course_keys)
    )
    # IN, not JOIN + DISTINCT: PostgreSQL cannot compare the JSON rules column.
    stmt = (
        select(Program)
        .where(Program.org_id == org_id, col(Program.id).in_(naming))
        .order_by(col(Program.title), col(Program.id))
    )
    return list(session.exec(stmt))


def course_titles(session: Session, org_id: int, course_keys: set[str]) -> dict[str, str]:
    """A title per course key: the newest run's (runs of one course may be renamed)."""
    if not course_keys:
        return {}
    stmt = (
        select(Course.course_key, Course.title)
        .where(Course.org_id == org_id, col(Course.course_key).in_(course_keys))
        .order_by(col(Course.created_at), col(Course.id))
    )
    return {key: title for key, title in session.exec(stmt)}


def hidden_among(session: Session, uuids: set[str]) -> set[str]:
    """Which of these credentials their learner hid from public view."""
    if not uuids:
        return set()
    stmt = select(HiddenCredential.credential_uuid).where(
        col(HiddenCredential.credential_uuid).in_(uuids)
    )
    return set(session.exec(stmt))
