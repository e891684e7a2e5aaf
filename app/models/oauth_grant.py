"""OAuth 2.0 grants of the OB 3.0 / CLR 2.0 API: authorization codes and tokens.

Every code and token is stored as the SHA-256 of its value. A ``family`` ties together the
code and every token issued from it, so a replayed code or a reused rotated refresh token
revokes all of them at once (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OAuthCode(SQLModel, table=True):
    __tablename__ = "oauth_codes"

    code_hash: str = Field(primary_key=True, max_length=64)
    client_pk: int = Field(foreign_key="oauth_clients.id", index=True)
    #: The signed-in person (app/models/learner_account.py) who approved.
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    family: str = Field(max_length=32, index=True)
    redirect_uri: str = Field(sa_column=Column(Text, nullable=False))
    scope: str = Field(sa_column=Column(Text, nullable=False))
    #: PKCE (RFC 7636) S256 challenge: base64url(SHA-256(code_verifier)).
    code_challenge: str = Field(max_length=128)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OAuthToken(SQLModel, table=True):
    __tablename__ = "oauth_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    #: "access" or "refresh".
    kind: str = Field(max_length=16)
    client_pk: int = Field(foreign_key="oauth_clients.id", index=True)
    account_id: int = Field(foreign_key="learner_accounts.id", index=True)
    family: str = Field(max_length=32, index=True)
    scope: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: A refresh token exchanged for a new pair: presenting it again is reuse.
    rotated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
