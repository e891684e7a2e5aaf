"""An organization's OpenID Connect provider: where its learners sign in (their LMS).

``user_id_claim`` names the ID-token claim that holds the LMS user id, the ``id`` the LMS uses
for the learner in our API (Open edX: its username, claim ``preferred_username``; Keycloak: a
user attribute mapped to a claim). ``client_secret`` is what the provider issued to Laurel as
a confidential client; it never appears in a response or a log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OidcProvider(SQLModel, table=True):
    __tablename__ = "oidc_providers"

    id: int = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", unique=True, index=True)
    #: The issuer identifier (OIDC Discovery 1.0 §4: ``{issuer}/.well-known/openid-configuration``).
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=255)
    client_secret: str | None = Field(default=None, max_length=500)
    user_id_claim: str = Field(default="sub", max_length=100)
    scopes: str = Field(default="openid profile email", max_length=300)
    enabled: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
