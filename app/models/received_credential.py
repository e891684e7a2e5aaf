"""A credential a learner received from another issuer and a host put here through the
OB 3.0 API (``POST /ims/ob/v3p0/credentials``, §6.2.3), stored after it verified.

One row per account (the person) and (issuer, credential id): OB 3.0 §6.2.3 replaces a
credential with the same ``issuer.id`` and ``id``. ``identity_hash`` is the SHA-256 of both,
so the unique key stays short whatever their lengths.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class ReceivedCredential(SQLModel, table=True):
    __tablename__ = "received_credentials"
    __table_args__ = (
        UniqueConstraint("account_id", "identity_hash", name="uq_received_account_identity"),
    )

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    identity_hash: str = Field(max_length=64)
    credential_id: str = Field(sa_column=Column(Text, nullable=False))
    issuer_id: str = Field(sa_column=Column(Text, nullable=False))
    issuer_name: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, max_length=500)
    #: "ClrCredential", "AchievementCredential", ... (the first specific type).
    credential_type: str = Field(max_length=100)
    #: "ldp_vc" (JSON text) or "jwt_vc" (a compact JWS).
    format: str = Field(max_length=16)
    document: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
