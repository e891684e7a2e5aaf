"""Why a credential was (or was not) awarded: every award, re-issue, refusal and cascade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel

from app.db import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_org_at", "org_id", "at"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id")
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    #: The API client (or "cli:<name>") that caused it.
    actor: str | None = Field(default=None, max_length=100)
    #: awarded | refused | reissued | revoked
    action: str = Field(max_length=16)
    #: course | program
    kind: str = Field(max_length=16)
    learner_lms_id: str | None = Field(default=None, max_length=255, index=True)
    course_run: str | None = Field(default=None, max_length=255)
    program_slug: str | None = Field(default=None, max_length=100)
    credential_uuid: str | None = Field(default=None, max_length=36)
    event_id: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=1000)
