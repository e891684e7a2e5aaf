"""A link to a learner's record (/records/{id}) that the LMS made for the learner.

The id is the capability: 128 random bits, url-safe. Revoking keeps the row (revoked_at), so a
revoked link stays dead and the LMS can show the learner their history of links.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class RecordShare(SQLModel, table=True):
    __tablename__ = "record_shares"

    id: str = Field(primary_key=True, max_length=32)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    #: A label for the learner's own list, e.g. "For my job application".
    label: str | None = Field(default=None, max_length=200)
    created_by_client: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
