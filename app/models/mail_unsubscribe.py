"""A learner's unsubscription from one kind of e-mail (one-click, RFC 8058)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class MailUnsubscribe(SQLModel, table=True):
    __tablename__ = "mail_unsubscribes"
    __table_args__ = (UniqueConstraint("learner_id", "kind", name="uq_mail_unsubscribe"),)

    id: int = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learners.id", index=True)
    kind: str = Field(max_length=16)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
