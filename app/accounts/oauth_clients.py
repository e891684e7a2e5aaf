"""RFC 7591 dynamic client registration for the OB 3.0 / CLR 2.0 API (OB 3.0 §7.1; no initial
access token), and client authentication at the token and revocation endpoints
(``client_secret_basic``, RFC 6749 §2.3.1, the method OB 3.0 §7.1.3 names)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlmodel import Session

from app.accounts import api_scopes, oauth_repository
from app.core.text_input import string_problem
from app.http.rate_limit import Limiter, Rate
from app.models import OAuthClient
from app.wallet.errors import OAuthError

#: OB 3.0 §7.1.2 lists these as required in the registration request.
REQUIRED_TEXT = ("client_name", "software_id", "software_version")
REQUIRED_URIS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
AUTH_METHOD = "client_secret_basic"
MAX_REDIRECT_URIS = 10
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


#: Registration needs no credentials (OB 3.0 §7.1), so it is rate limited per address.
REGISTRATION_RATE = Rate(20, 3600.0)


def admit_registration(limiter: Limiter, address: str) -> None:
    """At most ``REGISTRATION_RATE`` registrations per client address, else 429."""
    key = "oauth-register:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    wait = limiter.take(key, REGISTRATION_RATE)
    if wait:
        raise OAuthError(
            "temporarily_unavailable",
            "too many registrations from this address; try again later",
            status=429,
            extra={"retry_after": int(wait) + 1},
        )


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _invalid(description: str, error: str = "invalid_client_metadata") -> OAuthError:
    return OAuthError(error, description)  # RFC 7591 §3.2.2: 400 with these error codes


def _web_uri(name: str, value: Any, *, redirect: bool = False) -> str:
    """An absolute https URL (http only on loopback, RFC 8252 §7.3), no fragment (RFC 6749
    §3.1.2), at most 1000 characters."""
    error = "invalid_redirect_uri" if redirect else "invalid_client_metadata"
    if not isinstance(value, str) or not value or len(value) > 1000 or string_problem(value):
        raise _invalid(f"{name} must be an absolute https URL", error)
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not secure or not parts.netloc or parts.fragment or any(c.isspace() for c in value):
        raise _invalid(
            f"{name} must be an absolute https URL without a fragment (http only on loopback)",
            error,
        )
    return value


def _text(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(f"{name} is required: a string of at most {limit} characters")
    if string_problem(value):
        raise _invalid(f"{name} {string_problem(value)}")
    return value.strip()


@dataclass(frozen=True)
class Registration:
    client: OAuthClient
    secret: str

    def response(self) -> dict[str, Any]:
        """RFC 7591 §3.2.1: the credentials and the metadata as registered."""
        c = self.client
        return {
            "client_id": c.client_id,
            "client_secret": self.secret,
            "client_id_issued_at": int(c.created_at.timestamp()),
            "client_secret_expires_at": 0,
            "client_name": c.client_name,
            "client_uri": c.client_uri,
            "logo_uri": c.logo_uri,
            "tos_uri": c.tos_uri,
            "policy_uri": c.policy_uri,
            "software_id": c.software_id,
            "software_version": c.software_version,
            "redirect_uris": json.loads(c.redirect_uris),
            "scope": c.scope,
            "grant_types": sorted(GRANT_TYPES),
            "response_types": ["code"],
            "token_endpoint_auth_method": AUTH_METHOD,
        }


def register(session: Session, metadata: Any) -> Registration:
    """Validate RFC 7591 §2 client metadata and store the client (201 at the route)."""
    if not isinstance(metadata, dict):
        raise _invalid("the registration request must be a JSON object")
    fields: dict[str, str] = {
        "client_name": _text("client_name", metadata.get("client_name"), 200),
        "software_id": _text("software_id", metadata.get("software_id"), 200),
        "software_version": _text("software_version", metadata.get("software_version"), 100),
    }
    for name in REQUIRED_URIS:
        fields[name] = _web_uri(name, metadata.get(name))
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris or len(uris) > MAX_REDIRECT_URIS:
        raise _invalid(
            f"redirect_uris must list 1 to {MAX_REDIRECT_URIS} URLs", "invalid_redirect_uri"
        )
    redirect_uris = [_web_uri("redirect_uris", u, redirect=True) for u in uris]
    scope = metadata.get("scope")
    scopes = api_scopes.parse(scope if isinstance(scope, str) else None)
    if not scopes:
        raise _invalid("scope is required: space-separated OB 3.0 / CLR 2.0 scope URIs")
    unknown = [s for s in scopes if s not in api_scopes.SUPPORTED]
    if unknown:
        raise _invalid(f"scope {unknown[0]} is not offered here")
    grants = metadata.get("grant_types", ["authorization_code", "refresh_token"])
    if not isinstance(grants, list) or not set(grants) <= GRANT_TYPES or not grants:
        raise _invalid("grant_types may hold only authorization_code and refresh_token")
    if "authorization_code" not in grants:
        raise _invalid("grant_types must include authorization_code (OB 3.0 §7)")
    responses = metadata.get("response_types", ["code"])
    if responses != ["code"]:
        raise _invalid('response_types must be ["code"]')
    method = metadata.get("token_endpoint_auth_method", AUTH_METHOD)
    if method != AUTH_METHOD:
        raise _invalid(f"token_endpoint_auth_method must be {AUTH_METHOD} (OB 3.0 §7.1)")
    secret = secrets.token_urlsafe(32)
    client = OAuthClient.model_validate(
        {
            **fields,
            "client_id": secrets.token_urlsafe(18),
            "secret_hash": secret_hash(secret),
            "redirect_uris": json.dumps(redirect_uris),
            "scope": " ".join(scopes),
        }
    )
    session.add(client)
    session.flush()
    return Registration(client, secret)


def redirect_uris(client: OAuthClient) -> list[str]:
    return list(json.loads(client.redirect_uris))


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``client_id:secret`` from an HTTP Basic header (both form-urlencoded, RFC 6749 §2.3.1)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    client_id, secret = unquote(client_id), unquote(secret)
    if not sep or string_problem(client_id) or string_problem(secret):
        return None
    return client_id, secret


def authenticate(session: Session, authorization: str | None) -> OAuthClient:
    """The client of a ``client_secret_basic`` header, or 401 ``invalid_client`` (RFC 6749
    §5.2: the answer carries ``WWW-Authenticate``)."""
    creds = basic_credentials(authorization)
    client = oauth_repository.client_by_client_id(session, creds[0]) if creds else None
    presented = secret_hash(creds[1]) if creds else ""
    if client is None or not hmac.compare_digest(client.secret_hash, presented):
        raise OAuthError(
            "invalid_client",
            "client authentication failed: send HTTP Basic client_id:client_secret",
            status=401,
        )
    return client
