"""An OID4VCI ``c_nonce`` (OID4VCI 1.0 §7): stored as a SHA-256, single use, expiring."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class WalletNonce(SQLModel, table=True):
    __tablename__ = "wallet_nonces"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
