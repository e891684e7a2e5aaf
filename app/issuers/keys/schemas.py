"""API models of key administration (rotate, revoke, re-issue)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KeyOut(BaseModel):
    kid: str
    type: str
    status: str
    created_at: str
    retired_at: str | None
    revoked_at: str | None


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(default="Ed25519", description="Ed25519, P-256 or RSA")


class AffectedOut(BaseModel):
    kid: str
    credentials: list[str] = Field(description="uuids of credentials needing re-issue")


class ReissuedOut(BaseModel):
    kid: str
    reissued: dict[str, str] = Field(description="old uuid -> new uuid")
