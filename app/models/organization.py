"""An organization is an issuer: its own DID, keys, API clients and credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class OrganizationBase(SQLModel):
    slug: str = Field(max_length=64, regex=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    image_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=2000)
    #: "web" (did:web under the base URL) or "key" (did:key of the active Ed25519 key).
    did_method: str = Field(default="web", max_length=8)
    #: Open Badges then carry two status entries (revocation and suspension) as an array.
    #: This leaves the 1EdTech OB 3.0 JSON Schema, which allows one credentialStatus object:
    #: strict OB validators will reject such badges.
    suspension_enabled: bool = Field(default=False)
    #: LinkedIn's numeric company id: "Add to profile" then shows the logo and links the
    #: company page (the organizationId parameter).
    linkedin_organization_id: str | None = Field(default=None, max_length=32)
    #: Certificate pages ask search engines not to index them unless the organization opts in:
    #: a learner's name and achievement are theirs to publish.
    indexable: bool = Field(default=False)


class Organization(OrganizationBase, table=True):
    __tablename__ = "organizations"

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    #: A new random value whenever one of its signing keys is made, retired or revoked: a
    #: worker's cached signing context is used only while the row it reads with each request
    #: carries the version the context was built at. Random rather than a counter, so a
    #: version written by a transaction that rolled back is never reused by a later change.
    key_version: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )
