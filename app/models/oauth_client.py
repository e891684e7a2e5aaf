"""A client of the OB 3.0 / CLR 2.0 API that registered itself (RFC 7591; OB 3.0 §7.1).

The secret is 256 random bits shown once at registration; only its SHA-256 is stored (a slow
hash buys nothing against a secret that cannot be guessed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_clients"

    id: int = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    client_name: str = Field(max_length=200)
    client_uri: str = Field(max_length=1000)
    logo_uri: str = Field(max_length=1000)
    tos_uri: str = Field(max_length=1000)
    policy_uri: str = Field(max_length=1000)
    software_id: str = Field(max_length=200)
    software_version: str = Field(max_length=100)
    #: JSON array of exact redirect URIs (RFC 6749 §3.1.2.2: compared as strings).
    redirect_uris: str = Field(sa_column=Column(Text, nullable=False))
    #: Space-separated scopes the client may ask for.
    scope: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
