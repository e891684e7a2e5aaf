"""API clients and their bearer tokens (OAuth 2.0 client credentials, RFC 6749 §4.4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.db import as_utc, utcnow
from app.errors import InvalidInput, NotFound, Unauthorized
from app.issuers import repository
from app.issuers.scopes import ALL_SCOPES
from app.models import AccessToken, ApiClient, Organization

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
#: Checked when the client id is unknown or disabled, so the answer costs the same hash and
#: time as a wrong secret for a real client (no probing which client ids exist).
_DUMMY_HASH = "scrypt$" + "00" * 16 + "$" + "00" * 32


@dataclass(frozen=True)
class Caller:
    """Who is calling: one client of one organization, with its granted scopes."""

    client_id: str
    org_id: int
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def _hash_secret(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _secret_matches(secret: str, stored: str) -> bool:
    try:
        _, salt_hex, _ = stored.split("$")
        expected = _hash_secret(secret, bytes.fromhex(salt_hex))
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(requested: list[str] | None) -> list[str]:
    if not requested:
        return list(ALL_SCOPES)
    unknown = [s for s in requested if s not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(
            f'unknown scope "{unknown[0]}"; known scopes: {", ".join(ALL_SCOPES)}', field="scope"
        )
    return sorted(set(requested), key=ALL_SCOPES.index)


def create_client(
    session: Session, org: Organization, scopes: list[str] | None = None, name: str = ""
) -> tuple[ApiClient, str]:
    """Returns the client and its secret; only the secret's scrypt hash is stored."""
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"{org.slug}-{secrets.token_hex(8)}",
        secret_hash=_hash_secret(secret, secrets.token_bytes(16)),
        org_id=org.id,
        name=name,
        scopes=" ".join(parse_scopes(scopes)),
    )
    session.add(client)
    session.flush()
    return client, secret


def authenticate_client(session: Session, client_id: str, secret: str) -> ApiClient:
    client = repository.client_by_client_id(session, client_id)
    if client is None or client.disabled:
        _secret_matches(secret, _DUMMY_HASH)  # the same cost as a real check
        raise Unauthorized("client authentication failed", error="invalid_client")
    if not _secret_matches(secret, client.secret_hash):
        raise Unauthorized("client authentication failed", error="invalid_client")
    return client


def issue_token(
    session: Session, client: ApiClient, requested: str | None, ttl_seconds: int
) -> IssuedToken:
    """RFC 6749 §3.3: a request for scopes beyond the client's grant is refused."""
    granted = client.scope_set
    scopes = set(requested.split()) if requested else set(granted)
    if not scopes <= granted:
        extra = sorted(scopes - granted)[0]
        raise InvalidInput(
            f'scope "{extra}" is not granted to this client', field="scope", error="invalid_scope"
        )
    token = secrets.token_urlsafe(32)
    ordered = " ".join(s for s in ALL_SCOPES if s in scopes)
    session.add(
        AccessToken(
            token_hash=_token_hash(token),
            client_pk=client.id,
            org_id=client.org_id,
            scopes=ordered,
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return IssuedToken(token, ttl_seconds, ordered)


def caller_for_token(session: Session, token: str) -> Caller:
    """Read on every call (one statement), never cached: a token revoked or a client
    disabled on any worker is refused by the next request."""
    row = repository.token_caller(session, _token_hash(token))
    if row is None or as_utc(row.expires_at) <= utcnow():
        raise Unauthorized("the access token is invalid or expired", error="invalid_token")
    if row.disabled:
        raise Unauthorized("the client of this token is disabled", error="invalid_token")
    repository.adopt_org(session, row)
    return Caller(row.client_id, row.org_id, frozenset(row.scopes.split()))


# -- operations on existing clients (the CLI); the caller commits --------------------------


def client_by_id(session: Session, client_id: str) -> ApiClient:
    client = repository.client_by_client_id(session, client_id)
    if client is None:
        raise NotFound(f'no client "{client_id}"', field="client_id")
    return client


def list_clients(session: Session, org_id: int | None = None) -> list[ApiClient]:
    return repository.clients(session, org_id)


def revoke_tokens(session: Session, client: ApiClient) -> int:
    """Its bearer tokens stop working now; it may ask for new ones (unless disabled)."""
    return repository.delete_tokens(session, client.id)


def set_disabled(session: Session, client: ApiClient, disabled: bool) -> int:
    """A disabled client gets no token and its tokens are refused (``caller_for_token``).

    Disabling also deletes its tokens, so enabling again does not revive them; returns how
    many were revoked.
    """
    client.disabled = disabled
    session.add(client)
    return revoke_tokens(session, client) if disabled else 0


def delete_client(session: Session, client: ApiClient) -> int:
    """The client and its tokens; what it issued stays (audit records name its client_id)."""
    revoked = revoke_tokens(session, client)
    session.delete(client)
    return revoked
