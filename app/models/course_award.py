"""A course certificate awarded to a learner: at most one per learner and course run.

The unique constraint, not a check before insert, is what makes racing duplicates impossible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class CourseAward(SQLModel, table=True):
    __tablename__ = "course_awards"
    __table_args__ = (
        UniqueConstraint("org_id", "learner_id", "course_id", name="uq_course_award"),
        Index("ix_course_awards_learner_course_key", "learner_id", "course_key"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    course_id: int = Field(foreign_key="courses.id", index=True)
    #: Denormalized from the course: programs count courses, not runs.
    course_key: str = Field(max_length=255)
    #: The current credential (re-issue moves it to the successor).
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    #: LMS time of the event that earned it: the credential's validFrom and awardedDate.
    awarded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: "grade" or "completion".
    basis: str = Field(default="grade", max_length=16)
    percent_grade: float | None = Field(default=None)
    letter_grade: str | None = Field(default=None, max_length=20)
    band: str | None = Field(default=None, max_length=100)
    mode: str | None = Field(default=None, max_length=50)
    event_id: str | None = Field(default=None, max_length=200)
    actor: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
