"""An ``Idempotency-Key`` a client sent with a POST, and the response it got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_idempotency_client_key"),)

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    client_id: str = Field(max_length=64)
    key: str = Field(max_length=255)
    #: sha256 of method, path and canonical JSON body.
    fingerprint: str = Field(max_length=64)
    #: None while the first request is being processed.
    status_code: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media_type: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
