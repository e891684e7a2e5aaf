"""The OAuth 2.0 authorization server of the OB 3.0 / CLR 2.0 API (OB 3.0 §7; CLR 2.0 §7).

- Authorization code grant with PKCE, ``S256`` only (RFC 7636; OB 3.0 §7.1.3 makes it a MUST):
  the learner approves on the consent page; codes live 60 s and are spent once. A replayed
  code revokes every token issued from it (RFC 6749 §4.1.2).
- Refresh tokens rotate (RFC 9700 §4.14.2): each refresh answers a new pair and retires the
  presented token; presenting a retired one revokes the whole family.
- Revocation (RFC 7009): revoking a refresh token also revokes the access tokens of its grant.
- Bearer tokens (RFC 6750) for the resource routes, checked against the scope each route needs.

Codes and tokens are 256 random bits; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.accounts import api_audit, api_scopes, oauth_repository
from app.accounts.oauth_clients import redirect_uris
from app.core.marking import N_
from app.db import as_utc, utcnow
from app.models import OAuthClient, OAuthCode, OAuthToken
from app.wallet.errors import OAuthError

CODE_TTL = timedelta(seconds=60)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=30)
#: RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]; S256 challenges are 43 long.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class AuthorizeRefused(Exception):
    """The request cannot be sent back to the client: unknown client or redirect URI
    (RFC 6749 §4.1.2.1: the server informs the user and MUST NOT redirect)."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3)."""

    client: OAuthClient
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str

    def params(self) -> dict[str, str]:
        """The request again, for the consent form's hidden fields."""
        out = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.state is not None:
            out["state"] = self.state
        return out

    def scope_descriptions(self) -> list[tuple[str, str]]:
        return [(s, api_scopes.DESCRIPTIONS[s]) for s in self.scopes]


class RedirectError(Exception):
    """An error the client learns at its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None):
        super().__init__(description)
        self.redirect_uri, self.error, self.description, self.state = (
            redirect_uri,
            error,
            description,
            state,
        )

    def params(self) -> dict[str, str]:
        out = {"error": self.error, "error_description": self.description}
        if self.state is not None:
            out["state"] = self.state
        return out


def check_authorization(session: Session, params: dict[str, Any]) -> AuthorizationRequest:
    """Validate an authorization request; ``AuthorizeRefused`` or ``RedirectError``."""
    client_id = params.get("client_id")
    client = (
        oauth_repository.client_by_client_id(session, client_id)
        if isinstance(client_id, str)
        else None
    )
    if client is None:
        raise AuthorizeRefused(N_("unknown client_id: the application is not registered here"))
    redirect_uri = params.get("redirect_uri")
    if redirect_uri not in redirect_uris(client):
        # RFC 6749 §3.1.2.3: compared as strings with those registered (RFC 3986 §6.2.1).
        raise AuthorizeRefused(N_("redirect_uri is not one the application registered"))
    assert isinstance(redirect_uri, str)
    state = params.get("state") if isinstance(params.get("state"), str) else None

    def fail(error: str, description: str) -> RedirectError:
        return RedirectError(redirect_uri, error, description, state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    scopes = api_scopes.parse(params.get("scope") if isinstance(params.get("scope"), str) else "")
    allowed = set(client.scope.split())
    if not scopes:
        raise fail("invalid_scope", "scope is required")
    if not set(scopes) <= allowed:
        wrong = next(s for s in scopes if s not in allowed)
        raise fail("invalid_scope", f"scope {wrong} was not registered by this application")
    if params.get("code_challenge_method") != "S256":
        raise fail("invalid_request", "PKCE is required: code_challenge_method must be S256")
    challenge = params.get("code_challenge")
    if not isinstance(challenge, str) or not _CHALLENGE.fullmatch(challenge):
        raise fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 chars)")
    return AuthorizationRequest(client, redirect_uri, scopes, state, challenge)


def issue_code(session: Session, request: AuthorizationRequest, account_id: int) -> str:
    """The signed-in person approved: a one-time code bound to them, the client, the redirect
    URI and the PKCE challenge."""
    code = secrets.token_urlsafe(32)
    session.add(
        OAuthCode(
            code_hash=_hash(code),
            client_pk=request.client.id,
            account_id=account_id,
            family=secrets.token_hex(16),
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge,
            expires_at=utcnow() + CODE_TTL,
        )
    )
    session.flush()
    client = request.client
    who = f"{client.client_name} ({client.client_id})"
    api_audit.record(session, account_id, api_audit.APPROVED, f"{who}: {' '.join(request.scopes)}")
    return code


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    scope: str

    def response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }


def _new_pair(
    session: Session, client_pk: int, account_id: int, family: str, scope: str
) -> TokenGrant:
    now = utcnow()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    for value, kind, ttl in ((access, "access", ACCESS_TTL), (refresh, "refresh", REFRESH_TTL)):
        session.add(
            OAuthToken(
                token_hash=_hash(value),
                kind=kind,
                client_pk=client_pk,
                account_id=account_id,
                family=family,
                scope=scope,
                expires_at=now + ttl,
                created_at=now,
            )
        )
    session.flush()
    return TokenGrant(access, refresh, scope)


def _grant_error(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def exchange_code(session: Session, client: OAuthClient, form: dict[str, str]) -> TokenGrant:
    """RFC 6749 §4.1.3 with RFC 7636 §4.6."""
    code = form.get("code") or ""
    record = oauth_repository.code_by_hash(session, _hash(code)) if code else None
    if record is None or record.client_pk != client.id:
        raise _grant_error("the authorization code is not valid for this client")
    now = utcnow()
    if not oauth_repository.spend_code(session, record.code_hash, now):
        # A second use: someone replays the code. Revoke what the first use obtained.
        oauth_repository.revoke_family(session, record.family, now)
        api_audit.record(
            session, record.account_id, api_audit.REPLAYED, f"code replayed by {client.client_id}"
        )
        raise _grant_error("the authorization code was already used; its tokens are revoked")
    if as_utc(record.expires_at) <= now:
        raise _grant_error("the authorization code has expired")
    if form.get("redirect_uri") != record.redirect_uri:
        raise _grant_error("redirect_uri does not match the authorization request")
    verifier = form.get("code_verifier") or ""
    if not _VERIFIER.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier is required (RFC 7636 §4.1)")
    if not hmac.compare_digest(s256(verifier), record.code_challenge):
        raise _grant_error("code_verifier does not match the code_challenge (PKCE)")
    return _new_pair(session, client.id, record.account_id, record.family, record.scope)


def refresh(session: Session, client: OAuthClient, form: dict[str, str]) -> TokenGrant:
    """RFC 6749 §6 with rotation; a narrower ``scope`` may be asked for."""
    value = form.get("refresh_token") or ""
    record = oauth_repository.token_by_hash(session, _hash(value)) if value else None
    if record is None or record.kind != "refresh" or record.client_pk != client.id:
        raise _grant_error("the refresh token is not valid for this client")
    now = utcnow()
    if record.revoked_at is not None:
        raise _grant_error("the refresh token was revoked")
    if as_utc(record.expires_at) <= now:
        raise _grant_error("the refresh token has expired")
    if not oauth_repository.rotate_refresh(session, record.token_hash, now):
        # Reuse of a rotated token: it leaked or the client lost a race. Revoke the family.
        oauth_repository.revoke_family(session, record.family, now)
        api_audit.record(
            session,
            record.account_id,
            api_audit.REPLAYED,
            f"rotated refresh token reused by {client.client_id}",
        )
        raise _grant_error("the refresh token was already used; the grant is revoked")
    scope = record.scope
    if form.get("scope"):
        asked = api_scopes.parse(form["scope"])
        if not set(asked) <= set(record.scope.split()):
            raise OAuthError("invalid_scope", "scope may not exceed the scope of the grant")
        scope = " ".join(asked)
    return _new_pair(session, client.id, record.account_id, record.family, scope)


def revoke(session: Session, client: OAuthClient, token: str) -> None:
    """RFC 7009 §2.1: unknown tokens and other clients' tokens change nothing (still 200)."""
    record = oauth_repository.token_by_hash(session, _hash(token)) if token else None
    if record is None or record.client_pk != client.id:
        return
    now = utcnow()
    if record.kind == "refresh":
        oauth_repository.revoke_family(session, record.family, now)
    else:
        oauth_repository.revoke_token(session, record.token_hash, now)
    api_audit.record(
        session, record.account_id, api_audit.REVOKED, f"{record.kind} token by {client.client_id}"
    )


class BearerRefused(Exception):
    """RFC 6750 §3.1: ``error`` is invalid_token (401) or insufficient_scope (403)."""

    def __init__(self, error: str, description: str, status: int, scope: str | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.scope = error, description, status, scope


@dataclass(frozen=True)
class ApiGrant:
    """Who a valid access token speaks for."""

    account_id: int
    client: OAuthClient
    scopes: frozenset[str]


def authorize_bearer(session: Session, authorization: str | None, scope: str) -> ApiGrant:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise BearerRefused("invalid_token", "a Bearer access token is required", 401)
    value = authorization[7:].strip()
    record = oauth_repository.token_by_hash(session, _hash(value)) if value else None
    if (
        record is None
        or record.kind != "access"
        or record.revoked_at is not None
        or as_utc(record.expires_at) <= utcnow()
    ):
        raise BearerRefused("invalid_token", "the access token is not valid", 401)
    scopes = frozenset(record.scope.split())
    if scope not in scopes:
        needed = f"this request needs the scope {scope}"
        raise BearerRefused("insufficient_scope", needed, 403, scope)
    client = oauth_repository.client_by_pk(session, record.client_pk)
    assert client is not None
    return ApiGrant(record.account_id, client, scopes)


@dataclass(frozen=True)
class ConnectedApp:
    """A host that can still act for the person (a live token), for /me."""

    client_id: str
    name: str
    client_uri: str
    scopes: list[str]
    since: datetime


def connected_apps(session: Session, account_id: int) -> list[ConnectedApp]:
    apps: dict[int, ConnectedApp] = {}
    for token in oauth_repository.live_tokens(session, account_id, utcnow()):
        if token.client_pk in apps:
            continue
        client = oauth_repository.client_by_pk(session, token.client_pk)
        if client is None:
            continue
        descriptions = [api_scopes.DESCRIPTIONS.get(s, s) for s in token.scope.split()]
        apps[token.client_pk] = ConnectedApp(
            client.client_id, client.client_name, client.client_uri, descriptions,
            as_utc(token.created_at),
        )  # fmt: skip
    return list(apps.values())


def disconnect(session: Session, account_id: int, client_id: str) -> bool:
    """The learner withdraws a host's access: every token of theirs it holds stops working."""
    client = oauth_repository.client_by_client_id(session, client_id)
    if client is None:
        return False
    revoked = oauth_repository.revoke_client_grants(session, account_id, client.id, utcnow())
    if revoked:
        api_audit.record(
            session, account_id, api_audit.DISCONNECTED, f"{client.client_name} ({client_id})"
        )
    return revoked > 0
