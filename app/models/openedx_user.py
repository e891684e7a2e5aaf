"""An Open edX username and the learner it is. The LMS names learners by ``username`` (and,
when it has it, ``lms_user_id``); Laurel's learner ``lms_id`` is the LMS user id when it was
known at first sight, else the username. This row keeps the two names of one learner
together, whichever arrives first."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class OpenEdxUser(SQLModel, table=True):
    __tablename__ = "openedx_users"
    __table_args__ = (
        UniqueConstraint("org_id", "username", name="uq_openedx_user_username"),
        Index("ix_openedx_users_org_lms_user_id", "org_id", "lms_user_id"),
    )

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id")
    username: str = Field(max_length=150)
    lms_user_id: str | None = Field(default=None, max_length=64)
    learner_id: int = Field(foreign_key="learners.id", index=True)
