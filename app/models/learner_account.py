"""A person who signs in: the learners (one per organization) their sign-ins proved are theirs.

Learners exist per organization (the LMS's user id is only unique there). A person signed in
with the provider of organization A who asks, from ``/me``, to add their account at
organization B and then signs in with B's provider has proved control of both LMS accounts:
both learners are linked to one account, and ``/me`` shows the credentials of all of them.
A plain sign-in never links (a shared computer left signed in must not hand one person's
learners to the next). A learner belongs to at most one account (``learner_id`` is the key).
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
    #: The provider's ``sub`` at the last sign-in (None: linked without one, e.g. by a test).
    subject: str | None = Field(default=None, max_length=255)
    #: The ``name`` the provider (the LMS) sent at the last sign-in: a display-name choice.
    signin_name: str | None = Field(default=None, max_length=300)
    last_signin_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
