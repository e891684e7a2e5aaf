"""What the LMS last said about one learner's certificate (a course run or a program):
awarded or revoked, and when (LMS time). The credentials-service API lists these rows.

Calls and events may arrive twice, late or out of order; a change applies only when it is
newer than the stored one (a compare-and-set in one UPDATE), so the final state is the
LMS's latest word whatever the arrival order. ``uuid`` is the stable id the API answers with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OpenEdxCertificate(SQLModel, table=True):
    __tablename__ = "openedx_certificates"
    __table_args__ = (
        UniqueConstraint("org_id", "learner_id", "credential_key", name="uq_openedx_certificate"),
    )

    id: int = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, unique=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    #: ``course-run:<course run key>`` or ``program:<program uuid>``.
    credential_key: str = Field(max_length=300)
    #: "course-run" or "program" (as the credentials-service API names them).
    type: str = Field(max_length=16)
    course_run_key: str | None = Field(default=None, max_length=255)
    program_uuid: str | None = Field(default=None, max_length=64)
    mode: str | None = Field(default=None, max_length=50)
    #: "awarded" or "revoked".
    status: str = Field(max_length=16)
    #: LMS time of the word stored (microseconds kept: ordering within a second matters).
    lms_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: The ``visible_date`` attribute: the credential is not public before it.
    visible_date: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    #: The ``date_override`` the LMS sent (the date the certificate shows).
    date_override: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    #: The Laurel credential currently standing for it (None while revoked before any award).
    credential_uuid: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    modified_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
