"""A program credential awarded to a learner (one per program) and the course awards it counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class ProgramAward(SQLModel, table=True):
    __tablename__ = "program_awards"
    __table_args__ = (
        UniqueConstraint("org_id", "learner_id", "program_id", name="uq_program_award"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    program_id: int = Field(foreign_key="programs.id", index=True)
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    #: The latest award date of the counted courses (the credential's validFrom).
    awarded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProgramAwardCourse(SQLModel, table=True):
    """A course award a program award rests on: revoking it re-evaluates the program."""

    __tablename__ = "program_award_courses"
    __table_args__ = (
        UniqueConstraint("program_award_id", "course_award_id", name="uq_program_award_course"),
    )

    id: int = Field(default=None, primary_key=True)
    program_award_id: int = Field(foreign_key="program_awards.id", index=True)
    course_award_id: int = Field(foreign_key="course_awards.id", index=True)
