"""One e-mail waiting to be sent: written in the transaction of the event that causes it.

The transactional outbox: an award (or revocation, or expiry reminder) and its message commit
together or not at all, and the request never talks to the SMTP server. ``laurel worker``
claims rows (``state`` → sending with a lease), sends, and records the outcome. The
``message_id`` is fixed when the row is written, so a message re-sent after a worker died
mid-send carries the same ``Message-ID`` (receivers can tell the copy).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.models.enums import OutboxState


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),)

    id: int = Field(default=None, primary_key=True)
    #: The Message-ID header without angle brackets (``<uuid>@<host>``).
    message_id: str = Field(max_length=255, unique=True)
    #: Makes a message once-only (e.g. ``expiry-30:<credential uuid>``); NULL: no such rule.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    learner_id: int | None = Field(default=None, foreign_key="learners.id", index=True)
    credential_uuid: str | None = Field(default=None, max_length=36)
    #: app.models.enums.MailKind
    kind: str = Field(max_length=16)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    #: The whole RFC 5322 message as it goes on the wire (CRLF line ends), composed when the
    #: row is written: every attempt sends these very bytes.
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    #: The one-click unsubscribe URL (List-Unsubscribe, RFC 8058).
    unsubscribe_url: str | None = Field(default=None, max_length=1000)
    state: str = Field(default=OutboxState.PENDING, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    #: A claim expires: a worker killed mid-send leaves the row to be claimed again after it.
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
