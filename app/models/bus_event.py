"""An Open edX event bus event Laurel has applied: its id makes at-least-once delivery
exactly-once in effect.

Redis Streams redeliver (a consumer killed before XACK, an entry claimed from a slow
consumer, a producer that sent twice): the first unit of work to insert the event id wins,
every other copy finds the row and is acknowledged without effect. The row commits in the
same transaction as the event's effects, so it exists exactly when they do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class BusEvent(SQLModel, table=True):
    __tablename__ = "bus_events"

    id: int = Field(default=None, primary_key=True)
    #: The CloudEvent ``id`` header (a UUID1 the producer mints).
    event_id: str = Field(max_length=36, unique=True)
    event_type: str = Field(max_length=200)
    #: Where it was read: the stream and the Redis entry id (for operators tracing one).
    stream: str = Field(max_length=200)
    entry_id: str = Field(max_length=40)
    #: What it did: awarded, revoked, graded, stale, ignored, ...
    outcome: str = Field(max_length=32)
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
