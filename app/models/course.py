"""A course run an LMS certifies (e.g. ``course-v1:Acme+CS101+2026_T1``) and its award terms.

One family (full-stack-fastapi-template): ``CourseBase`` is the stored shape the table and
the API share; ``CourseCreate``/``CourseUpdate`` add the input rules (app.models.fields);
``CoursePublic`` is what the API returns. A new plain field goes in ``CourseBase`` (and, to be
changeable, ``CourseUpdate``) plus its migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, model_validator
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.fields import (
    DEFAULT_CERTIFICATE_MODES,
    INPUT_CONFIG,
    PUBLIC_CONFIG,
    AchievementType,
    Bands,
    CertifiesOn,
    CourseName,
    CreditHours,
    Grade,
    ImageUrl,
    LongText,
    Modes,
    Period,
    Signatories,
    Title,
    UtcDatetime,
    course_of_run,
)


class CourseBase(SQLModel):
    #: The run's key as the LMS names it.
    key: str = Field(max_length=255)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    image_url: str | None = Field(default=None, max_length=2000)
    passing_grade: float = Field(default=0.5)
    #: Enrolment modes whose learners get a certificate (``audit`` only when listed).
    certificate_modes: list[str] = Field(default_factory=list, sa_type=JSON)
    #: ``[{"name": "Distinction", "min_grade": 0.9}, ...]`` low to high.
    grade_bands: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    #: ``[{"name", "title", "organization", "signature_image_url"}]`` for certificate pages.
    signatories: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    #: Credentials of this run are not public before this instant.
    certificate_available_date: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True)
    )
    achievement_type: str = Field(default="Course", max_length=64)
    criteria_narrative: str | None = Field(default=None, sa_type=Text)
    credit_hours: float | None = Field(default=None)
    #: "grade" (award at the passing grade) or "completion" (award on a completion event).
    certifies_on: str = Field(default="grade", max_length=16)
    certificates_enabled: bool = Field(default=True)
    #: Whether credentials (and so certificate pages) carry the grade, letter and band.
    #: Off: the credential says only that the learner passed or completed.
    show_grade: bool = Field(default=True)
    #: Whether the public certificate page shows that grade (off by default: a grade is the
    #: learner's to share). The credential itself still carries it when ``show_grade`` says so.
    public_grade: bool = Field(default=False)
    #: ISO 8601 period ("P2Y"): credentials carry validUntil = validFrom + validity.
    validity: str | None = Field(default=None, max_length=32)
    #: How long before validUntil a new passing grade renews the credential ("P90D");
    #: unset: only once it has expired.
    renewal_window: str | None = Field(default=None, max_length=32)


class Course(CourseBase, table=True):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("org_id", "key", name="uq_course_org_key"),
        Index("ix_courses_org_course_key", "org_id", "course_key"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: The course every run of it shares (``Acme+CS101``): what programs name.
    course_key: str = Field(max_length=255)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class CourseCreate(CourseBase):
    """A course run. ``course`` (the key programs use) is derived from ``key`` when omitted."""

    model_config = INPUT_CONFIG

    key: CourseName
    course: CourseName | None = None
    title: Title
    description: LongText = ""
    image_url: ImageUrl = None
    passing_grade: Grade
    certificate_modes: Modes = Field(default_factory=lambda: list(DEFAULT_CERTIFICATE_MODES))
    # The input narrows the stored JSON shapes to validated models (dumped before storing),
    # and lets a null achievement type through to its validator: overrides the checker refuses.
    grade_bands: Bands = Field(default_factory=list)  # type: ignore[assignment]
    signatories: Signatories = Field(default_factory=list)  # type: ignore[assignment]
    certificate_available_date: AwareDatetime | None = None
    achievement_type: AchievementType = "Course"  # type: ignore[assignment]
    criteria_narrative: LongText | None = None
    credit_hours: CreditHours = None
    certifies_on: CertifiesOn = "grade"
    validity: Period = None
    renewal_window: Period = None

    @model_validator(mode="after")
    def _course_defaults(self) -> CourseCreate:
        if self.course is None:
            self.course = course_of_run(self.key)
        return self


class CourseUpdate(SQLModel):
    """PATCH: only the fields sent change; ``null`` clears an optional field."""

    model_config = INPUT_CONFIG

    title: Title | None = None
    description: LongText | None = None
    image_url: ImageUrl = None
    passing_grade: Grade | None = None
    certificate_modes: Modes | None = None
    grade_bands: Bands | None = None
    signatories: Signatories | None = None
    certificate_available_date: AwareDatetime | None = None
    achievement_type: AchievementType = None
    criteria_narrative: LongText | None = None
    credit_hours: CreditHours = None
    certifies_on: CertifiesOn | None = None
    certificates_enabled: bool | None = None
    show_grade: bool | None = None
    public_grade: bool | None = None
    validity: Period = None
    renewal_window: Period = None

    @model_validator(mode="after")
    def _required_not_null(self) -> CourseUpdate:
        for name in (
            "title",
            "description",
            "passing_grade",
            "certificate_modes",
            "grade_bands",
            "signatories",
            "achievement_type",
            "certifies_on",
            "certificates_enabled",
            "show_grade",
            "public_grade",
        ):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f'"{name}" cannot be null')
        return self


class _RunThenCourse(SQLModel):
    """Listed last among the bases so that its fields come first: the API has always written
    ``key`` then ``course`` at the top of a course run."""

    key: str
    course: str


class CoursePublic(CourseBase, _RunThenCourse):
    model_config = PUBLIC_CONFIG

    certificate_available_date: UtcDatetime | None = None
    #: The OB 3.0 Achievement id its credentials carry.
    achievement_id: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
