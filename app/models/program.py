"""A program (e.g. a Professional Certificate) and its rules over courses (not runs).

One family: ``ProgramBase`` (stored and returned), ``ProgramCreate``/``ProgramUpdate`` (with
the input rules and the courses, which are stored as ``rules``), ``Program`` (the table),
``ProgramPublic`` (returned, with the derived achievement type, courses and achievement id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import model_validator
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.fields import (
    INPUT_CONFIG,
    PUBLIC_CONFIG,
    AchievementType,
    CourseList,
    Electives,
    ExternalId,
    ImageUrl,
    LongText,
    Period,
    ProgramSlug,
    ProgramType,
    Title,
    UtcDatetime,
    check_program_courses,
)


class ProgramBase(SQLModel):
    slug: str = Field(max_length=100)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    #: Free text as the LMS says it: "Professional Certificate", "MicroMasters", ...
    program_type: str | None = Field(default=None, max_length=100)
    #: OB 3.0 achievementType; derived from ``program_type`` when not set.
    achievement_type: str | None = Field(default=None, max_length=64)
    image_url: str | None = Field(default=None, max_length=2000)
    criteria_narrative: str | None = Field(default=None, sa_type=Text)
    #: ISO 8601 period ("P2Y"): program credentials carry validUntil = validFrom + validity.
    validity: str | None = Field(default=None, max_length=32)
    #: The LMS's id of the program (Open edX: the program ``uuid`` its awards name).
    external_id: str | None = Field(default=None, max_length=255)


class Program(ProgramBase, table=True):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("org_id", "slug", name="uq_program_org_slug"),
        UniqueConstraint("org_id", "external_id", name="uq_program_org_external_id"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: ``{"required": [course keys], "electives": [{"choose": N, "courses": [...]}]}``
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProgramCreate(ProgramBase):
    model_config = INPUT_CONFIG

    slug: ProgramSlug
    title: Title
    description: LongText = ""
    program_type: ProgramType | None = None
    achievement_type: AchievementType = None
    image_url: ImageUrl = None
    criteria_narrative: LongText | None = None
    required_courses: CourseList = Field(default_factory=list)
    electives: Electives = Field(default_factory=list)
    validity: Period = None
    external_id: ExternalId = None

    @model_validator(mode="after")
    def _courses(self) -> ProgramCreate:
        check_program_courses(self.required_courses, self.electives)
        return self


class ProgramUpdate(SQLModel):
    model_config = INPUT_CONFIG

    title: Title | None = None
    description: LongText | None = None
    program_type: ProgramType | None = None
    achievement_type: AchievementType = None
    image_url: ImageUrl = None
    criteria_narrative: LongText | None = None
    required_courses: CourseList | None = None
    electives: Electives | None = None
    validity: Period = None
    external_id: ExternalId = None

    @model_validator(mode="after")
    def _required_not_null(self) -> ProgramUpdate:
        for name in ("title", "description", "required_courses", "electives"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f'"{name}" cannot be null')
        return self


class ProgramPublic(ProgramBase):
    model_config = PUBLIC_CONFIG

    #: Always set: the configured type, else one derived from ``program_type``.
    achievement_type: str
    required_courses: list[str]
    electives: list[dict[str, Any]]
    achievement_id: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ProgramCourse(SQLModel, table=True):
    """Index of the courses a program names: which programs to evaluate after an award."""

    __tablename__ = "program_courses"
    __table_args__ = (
        UniqueConstraint("program_id", "course_key", name="uq_program_course"),
        Index("ix_program_courses_org_course_key", "org_id", "course_key"),
    )

    id: int = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="programs.id", index=True)
    org_id: int = Field(foreign_key="organizations.id")
    course_key: str = Field(max_length=255)
