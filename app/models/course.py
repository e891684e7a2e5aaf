"""A course run an LMS certifies (e.g. ``course-v1:Acme+CS101+2026_T1``) and its award terms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Course(SQLModel, table=True):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("org_id", "key", name="uq_course_org_key"),
        Index("ix_courses_org_course_key", "org_id", "course_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: The run's key as the LMS names it.
    key: str = Field(max_length=255)
    #: The course every run of it shares (``Acme+CS101``): what programs name.
    course_key: str = Field(max_length=255)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    image_url: str | None = Field(default=None, max_length=2000)
    passing_grade: float = Field(default=0.5)
    #: Enrolment modes whose learners get a certificate (``audit`` only when listed).
    certificate_modes: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: ``[{"name": "Distinction", "min_grade": 0.9}, ...]`` low to high.
    grade_bands: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: ``[{"name", "title", "organization", "signature_image_url"}]`` for certificate pages.
    signatories: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: Credentials of this run are not public before this instant.
    certificate_available_date: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    achievement_type: str = Field(default="Course", max_length=64)
    criteria_narrative: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    credit_hours: float | None = Field(default=None)
    #: "grade" (award at the passing grade) or "completion" (award on a completion event).
    certifies_on: str = Field(default="grade", max_length=16)
    certificates_enabled: bool = Field(default=True)
    #: Whether credentials (and so certificate pages) carry the grade, letter and band.
    #: Off: the credential says only that the learner passed or completed.
    show_grade: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
