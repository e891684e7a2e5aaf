"""An organization's Open edX site: how Laurel recognises the LMS calling it.

The REST path (the LMS calling the credentials-service API) checks the JWT the LMS mints
itself against ``jwt_issuer``/``jwt_audience`` and either ``jwt_secret`` (HS256, the LMS's
``JWT_AUTH['JWT_SECRET_KEY']``) or the keys at ``jwks_url`` (RS256/ES256). The event-bus path
reads the streams named by ``topic_prefix``. ``jwt_secret`` and ``lms_client_secret`` are
secrets: never in a response or a log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class OpenEdxConnection(SQLModel, table=True):
    __tablename__ = "openedx_connections"

    id: int = Field(default=None, primary_key=True)
    #: One Open edX site per organization (``laurel openedx connect`` replaces it).
    org_id: int = Field(foreign_key="organizations.id", unique=True)
    jwt_issuer: str = Field(max_length=500, index=True)
    jwt_audience: str = Field(max_length=500)
    jwt_secret: str | None = Field(default=None, max_length=1000)
    jwks_url: str | None = Field(default=None, max_length=2000)
    #: The LMS's ``CREDENTIALS_SERVICE_USERNAME``: the only user whose JWT may write.
    service_user: str = Field(max_length=150)
    #: ``EVENT_BUS_TOPIC_PREFIX`` of the site (streams are ``{prefix}-{topic}``).
    topic_prefix: str | None = Field(default=None, max_length=100)
    #: Optional: the LMS root URL and an OAuth2 client for its user API (learner names).
    lms_url: str | None = Field(default=None, max_length=500)
    lms_client_id: str | None = Field(default=None, max_length=255)
    lms_client_secret: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
