"""Short-lived bearer tokens (RFC 6749 §4.4); only a SHA-256 of the token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class AccessToken(SQLModel, table=True):
    __tablename__ = "access_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    client_pk: int = Field(foreign_key="api_clients.id", index=True)
    org_id: int = Field(foreign_key="organizations.id")
    scopes: str = Field(default="")
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
