"""A program (e.g. a Professional Certificate) and its rules over courses (not runs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Program(SQLModel, table=True):
    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("org_id", "slug", name="uq_program_org_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    slug: str = Field(max_length=100)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: Free text as the LMS says it: "Professional Certificate", "MicroMasters", ...
    program_type: str | None = Field(default=None, max_length=100)
    #: OB 3.0 achievementType; derived from ``program_type`` when not set.
    achievement_type: str | None = Field(default=None, max_length=64)
    image_url: str | None = Field(default=None, max_length=2000)
    criteria_narrative: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: ``{"required": [course keys], "electives": [{"choose": N, "courses": [...]}]}``
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProgramCourse(SQLModel, table=True):
    """Index of the courses a program names: which programs to evaluate after an award."""

    __tablename__ = "program_courses"
    __table_args__ = (
        UniqueConstraint("program_id", "course_key", name="uq_program_course"),
        Index("ix_program_courses_org_course_key", "org_id", "course_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="programs.id", index=True)
    org_id: int = Field(foreign_key="organizations.id")
    course_key: str = Field(max_length=255)
