"""A signed-in browser: server-side, so logout and expiry end it for certain.

The cookie carries 256 random bits; only their SHA-256 is stored (the ``id``), so a copy of the
database signs nobody in. ``csrf_token`` is the synchronizer token every form of the session
carries (OWASP CSRF Prevention Cheat Sheet); it is not secret from the page, only from other
sites.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class LearnerSession(SQLModel, table=True):
    __tablename__ = "learner_sessions"

    #: SHA-256 (hex) of the cookie's token.
    id: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
