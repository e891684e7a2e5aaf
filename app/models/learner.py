"""A learner as the LMS knows them. The email reaches credentials only as a salted hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Learner(SQLModel, table=True):
    __tablename__ = "learners"
    __table_args__ = (UniqueConstraint("org_id", "lms_id", name="uq_learner_org_lms_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: The LMS user id (the ``id`` of API paths and events).
    lms_id: str = Field(max_length=255)
    name: str = Field(default="", max_length=300)
    email: str | None = Field(default=None, max_length=320)
    holder_did: str | None = Field(default=None, max_length=500)
    #: LMS time of the newest learner facts applied: older events do not overwrite them.
    info_timestamp: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
