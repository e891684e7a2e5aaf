"""A learner as the LMS knows them. The email reaches credentials only as a salted hash.

One family: ``LearnerBase`` (stored and returned), ``LearnerCreate``/``LearnerUpdate`` (with
the input rules), ``Learner`` (the table), ``LearnerPublic`` (returned). The API's ``id`` is
the LMS user id, stored as ``lms_id`` (the table's ``id`` is its own key).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import model_validator
from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.fields import (
    INPUT_CONFIG,
    PUBLIC_CONFIG,
    Email,
    HolderDid,
    LearnerName,
    LmsId,
    UtcDatetime,
)


class LearnerBase(SQLModel):
    name: str = Field(default="", max_length=300)
    email: str | None = Field(default=None, max_length=320)
    holder_did: str | None = Field(default=None, max_length=500)


class Learner(LearnerBase, table=True):
    __tablename__ = "learners"
    __table_args__ = (UniqueConstraint("org_id", "lms_id", name="uq_learner_org_lms_id"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: The LMS user id (the ``id`` of API paths and events).
    lms_id: str = Field(max_length=255)
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


class _LmsId(SQLModel):
    """Listed last among the bases so that ``id`` comes first, as the API has always had it."""

    #: The LMS user id.
    id: str


class LearnerCreate(LearnerBase, _LmsId):
    model_config = INPUT_CONFIG

    id: LmsId
    name: LearnerName = ""
    email: Email = None
    holder_did: HolderDid = None


class LearnerUpdate(SQLModel):
    model_config = INPUT_CONFIG

    name: LearnerName | None = None
    email: Email = None
    holder_did: HolderDid = None

    @model_validator(mode="after")
    def _name_not_null(self) -> LearnerUpdate:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError('"name" cannot be null')
        return self


class LearnerPublic(LearnerBase, _LmsId):
    model_config = PUBLIC_CONFIG

    created_at: UtcDatetime
    updated_at: UtcDatetime
