"""Issuer signing keys: public half in the database, private half in a 0600 file under keys/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, text
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.enums import KeyStatus

_ACTIVE = text("status = 'active'")
_ACTIVE_INSTANCE = text("status = 'active' AND org_id IS NULL")


class SigningKey(SQLModel, table=True):
    __tablename__ = "signing_keys"
    # At most one active key per organization and type, even under concurrent rotations.
    # A unique index treats NULLs as distinct, so the instance key (org_id NULL) has its own.
    __table_args__ = (
        Index(
            "uq_signing_keys_one_active",
            "org_id",
            "key_type",
            unique=True,
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
        Index(
            "uq_signing_keys_one_active_instance",
            "key_type",
            unique=True,
            postgresql_where=_ACTIVE_INSTANCE,
            sqlite_where=_ACTIVE_INSTANCE,
        ),
    )

    id: int = Field(default=None, primary_key=True)
    #: None for the instance's own key (/.well-known/did.json).
    org_id: int | None = Field(default=None, foreign_key="organizations.id", index=True)
    #: DID URL fragment and JWK ``kid``: the RFC 7638 thumbprint of the public JWK.
    fragment: str = Field(max_length=64, unique=True, index=True)
    key_type: str = Field(max_length=16)
    status: str = Field(default=KeyStatus.ACTIVE, max_length=16, index=True)
    public_jwk: str = Field(description="public JWK as JSON text; never private members")
    file_name: str = Field(max_length=200)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    retired_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
