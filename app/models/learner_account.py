"""A person who signs in: the learners (one per organization) their sign-ins proved are theirs.

Learners exist per organization (the LMS's user id is only unique there). A person who signs
in with the provider of organization A and, in the same browser session, with the provider of
organization B has proved control of both LMS accounts: both learners are linked to one
account, and ``/me`` shows the credentials of all of them. A learner belongs to at most one
account (the unique ``learner_id``), so a link can never be claimed twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class LearnerAccount(SQLModel, table=True):
    __tablename__ = "learner_accounts"

    id: int = Field(default=None, primary_key=True)
    #: The name the person chose among those their LMSs sent (None: the newest learner's).
    display_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class LearnerLink(SQLModel, table=True):
    __tablename__ = "learner_links"

    #: The learner (of one organization): the key, so it belongs to one account only.
    learner_id: int = Field(primary_key=True, foreign_key="learners.id")
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    linked_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
