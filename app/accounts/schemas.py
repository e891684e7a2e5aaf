"""What the sign-in settings API and CLI take and return (app/api/v1/signin_provider.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

#: A claim name as providers spell them: letters, digits, ``_ - . : /`` (URIs for namespaced
#: claims, e.g. Keycloak or Auth0 custom claims).
_CLAIM = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]


class ProviderSettings(BaseModel):
    """An organization's OpenID Connect provider (its LMS), as an administrator sets it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    issuer: str = Field(
        max_length=500,
        description="The provider's issuer identifier; its discovery document is at "
        "{issuer}/.well-known/openid-configuration (e.g. https://lms.example.edu/oauth2).",
    )
    client_id: ClientId
    client_secret: str | None = Field(
        default=None,
        max_length=500,
        description="The secret the provider issued to Laurel (a confidential client). "
        "Write-only: never returned.",
    )
    user_id_claim: str = Field(
        default="sub",
        description="The ID-token claim that holds the LMS user id (the id the LMS gives "
        "learners in Laurel's API), e.g. preferred_username for Open edX usernames.",
    )
    scopes: str = Field(default="openid profile email", max_length=300)
    enabled: bool = True

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
            raise ValueError('"issuer" must be an http(s) URL without query or fragment')
        return value.rstrip("/")

    @field_validator("user_id_claim")
    @classmethod
    def _claim(cls, value: str) -> str:
        if not _CLAIM.match(value):
            raise ValueError('"user_id_claim" must be a claim name, e.g. sub')
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: str) -> str:
        words = value.split()
        if "openid" not in words:
            raise ValueError('"scopes" must include openid')
        if not all(re.match(r"^[\x21\x23-\x5b\x5d-\x7e]+$", w) for w in words):
            raise ValueError('"scopes" must be space-separated scope tokens (RFC 6749 §3.3)')
        return " ".join(words)


class ProviderPublic(BaseModel):
    """The settings as returned: the secret only as ``has_client_secret``."""

    issuer: str
    client_id: str
    has_client_secret: bool
    user_id_claim: str
    scopes: str
    enabled: bool
    #: The redirect URI to register at the provider (one for every organization).
    redirect_uri: str
    updated_at: datetime
