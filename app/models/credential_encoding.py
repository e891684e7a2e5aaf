"""Other encodings of an issued credential (VC-JWT forms), signed once and kept.

The Data Integrity form in ``credentials.document`` is the master copy; a JWT form wraps it
(OB 3.0 §8.2.2: the LD proof first, then the JWT) and is created on request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class CredentialEncoding(SQLModel, table=True):
    __tablename__ = "credential_encodings"
    __table_args__ = (
        UniqueConstraint("credential_uuid", "profile", "alg", name="uq_credential_encoding"),
    )

    id: int = Field(default=None, primary_key=True)
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    #: "ob" (OB 3.0 §8.2, typ JWT) or "vc+jwt" (VC-JOSE-COSE).
    profile: str = Field(max_length=16)
    alg: str = Field(max_length=8)
    key_id: int = Field(foreign_key="signing_keys.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
