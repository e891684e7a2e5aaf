"""Status lists (W3C Bitstring Status List v1.0) and the entries allocated in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.enums import StatusListFormat


class StatusList(SQLModel, table=True):
    """One published list: an organization, a purpose, a format, 131,072+ entries."""

    __tablename__ = "status_lists"

    id: int = Field(default=None, primary_key=True)
    #: The unguessable path segment of GET /status/{public_id}.
    public_id: str = Field(max_length=40, unique=True, index=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    purpose: str = Field(max_length=16)  # revocation | suspension
    #: "bitstring" (BitstringStatusListCredential, VC 2.0) or "sl2021" (StatusList2021, VC 1.1)
    format: str = Field(default=StatusListFormat.BITSTRING, max_length=16)
    size: int = Field(default=131072)
    allocated: int = Field(default=0)
    full: bool = Field(default=False, index=True)
    #: Bumped on every status change; the signed document records the version it encodes.
    version: int = Field(default=0)
    signed_version: int = Field(default=-1)
    signed_document: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class StatusEntry(SQLModel, table=True):
    """An index given to one credential; the unique constraint makes double use impossible."""

    __tablename__ = "status_entries"
    __table_args__ = (UniqueConstraint("list_id", "position", name="uq_status_entry_position"),)

    id: int = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="status_lists.id", index=True)
    position: int
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    #: The bit as published: True = revoked / suspended.
    is_set: bool = Field(default=False)


class StatusEvent(SQLModel, table=True):
    """History of a credential's status: who changed it, when and why."""

    __tablename__ = "status_events"

    id: int = Field(default=None, primary_key=True)
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    action: str = Field(max_length=16)  # issued | revoked | suspended | reinstated
    reason: str | None = Field(default=None, max_length=1000)
    actor: str | None = Field(default=None, max_length=100)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
