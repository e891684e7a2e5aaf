"""The profile a learner's host wrote through ``PUT /ims/ob/v3p0/profile`` (OB 3.0 §6.2.5).

One per account (the person). Kept apart from ``learners``: the LMS owns the learner's name and
e-mail, and its events would overwrite them; the API profile is what the person chose to tell
hosts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.db import utcnow


class ApiProfile(SQLModel, table=True):
    __tablename__ = "api_profiles"

    account_id: int = Field(primary_key=True, foreign_key="learner_accounts.id")
    #: The OB 3.0 Profile JSON as stored (valid against ob_v3p0_profile_schema.json).
    document: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
