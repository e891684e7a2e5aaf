"""API models of an organization's Open edX connection (the admin API). The secrets are
write-only: the answer says whether one is set, never what it is."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class ConnectionIn(BaseModel):
    """``PUT /api/v1/openedx/connection``: what ``laurel openedx connect`` takes. Exactly one
    of ``jwt_secret`` (HS256) and ``jwks_url`` (RS256/ES256)."""

    model_config = ConfigDict(extra="forbid")

    jwt_issuer: Text = Field(description="The LMS's JWT_AUTH['JWT_ISSUER']")
    jwt_audience: Text = Field(description="The LMS's JWT_AUTH['JWT_AUDIENCE']")
    jwt_secret: Secret | None = Field(
        default=None, description="The LMS's JWT_AUTH['JWT_SECRET_KEY'] (write-only)"
    )
    jwks_url: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="The LMS's public signing keys, e.g. https://lms/oauth2/jwks.json"
    )
    service_user: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)
    ] = Field(description="The LMS's CREDENTIALS_SERVICE_USERNAME")
    course_orgs: list[Annotated[str, StringConstraints(max_length=255)]] = Field(
        default_factory=list, max_length=1000, description="Open edX organization codes"
    )
    topic_prefix: Annotated[str, StringConstraints(max_length=100)] | None = None
    lms_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    lms_client_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    lms_client_secret: Secret | None = None


class ConnectionOut(BaseModel):
    jwt_issuer: str
    jwt_audience: str
    jwt_secret_set: bool
    jwks_url: str | None
    service_user: str
    course_orgs: list[str]
    topic_prefix: str | None
    lms_url: str | None
    lms_client_id: str | None
    lms_client_secret_set: bool
    created_at: str
    updated_at: str
