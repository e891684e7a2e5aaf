"""The latest grade and completion of one learner in one course run (newest LMS time wins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class CourseGrade(SQLModel, table=True):
    __tablename__ = "course_grades"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", name="uq_course_grade"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    course_id: int = Field(foreign_key="courses.id", index=True)
    percent_grade: float | None = Field(default=None)
    letter_grade: str | None = Field(default=None, max_length=20)
    mode: str | None = Field(default=None, max_length=50)
    graded_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    grade_event_id: str | None = Field(default=None, max_length=200)
    completed: bool = Field(default=False)
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    completion_event_id: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
