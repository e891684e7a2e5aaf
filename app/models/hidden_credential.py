"""A credential its learner hid from public view: its public URL answers 404 to others.

Its own table, not a column of ``credentials``: hiding is the learner's choice about
presentation, not a fact of the signed credential, and it leaves status lists untouched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class HiddenCredential(SQLModel, table=True):
    __tablename__ = "hidden_credentials"

    credential_uuid: str = Field(primary_key=True, foreign_key="credentials.uuid", max_length=36)
    #: The account whose person hid it (the owner, who still sees it).
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    hidden_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
