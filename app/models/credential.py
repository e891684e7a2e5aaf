"""A credential as issued: the exact signed JSON bytes, so every read is byte-identical."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.enums import CredentialFormat, CredentialKind, CredentialStatus


class IssuedCredential(SQLModel, table=True):
    __tablename__ = "credentials"

    #: The uuid of the public URL /credentials/{uuid}; unguessable (uuid4).
    uuid: str = Field(primary_key=True, max_length=36)
    #: The credential's own ``id`` (``urn:uuid:<uuid>`` unless the client chose one).
    credential_id: str = Field(max_length=500, unique=True, index=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    key_id: int | None = Field(default=None, foreign_key="signing_keys.id", index=True)
    #: "open_badge" or "vc" for VC-API issuance; later kinds: "course", "program".
    kind: str = Field(default=CredentialKind.VC, max_length=32)
    format: str = Field(default=CredentialFormat.LDP_VC, max_length=32)
    document: str = Field(sa_column=Column(Text, nullable=False))
    issued_by_client: str | None = Field(default=None, max_length=64)
    #: active | revoked | suspended (revocation is final).
    status: str = Field(default=CredentialStatus.ACTIVE, max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=1000)
    #: The first award date, kept on re-issue (OB 3.0 awardedDate).
    awarded_date: str | None = Field(default=None, max_length=40)
    #: Set when this credential was re-issued: the uuid of its successor.
    superseded_by: str | None = Field(default=None, max_length=36)
    #: Not served publicly before this instant (a course's certificate available date).
    public_from: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    #: The document's validUntil (expiry reminders look for it).
    valid_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )
    #: A renewal: the uuid of the credential it renews (which stays valid until it expires).
    renewal_of: str | None = Field(default=None, max_length=36, index=True)
    issued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
