"""API models of learner record share links."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RecordShareCreate(BaseModel):
    label: str | None = Field(default=None, max_length=200, description="For the learner's list")


class RecordShareOut(BaseModel):
    id: str
    url: str = Field(description="The public record page; 404 once revoked")
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class RecordShareList(BaseModel):
    items: list[RecordShareOut]
