"""An LMS (or other machine) allowed to call the API for one organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class ApiClient(SQLModel, table=True):
    __tablename__ = "api_clients"

    id: int = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    #: scrypt hash of the secret; the secret itself is shown once and never stored.
    secret_hash: str = Field(max_length=300)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    name: str = Field(default="", max_length=200)
    scopes: str = Field(default="", description="space-separated scope names")
    disabled: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
