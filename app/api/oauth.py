"""POST /oauth/token: OAuth 2.0 client credentials grant (RFC 6749 §4.4)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse

from app.core.text_input import string_problem
from app.deps import ServicesDep, SessionDep
from app.errors import PROBLEM_BASE, AppError, Unauthorized
from app.http.guard import GuardedRoute
from app.http.problems import PROBLEM_JSON
from app.http.rate_limit import RateLimited
from app.issuers.clients import authenticate_client, issue_token

router = APIRouter(tags=["oauth"], route_class=GuardedRoute)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """RFC 6749 §5.2 members plus RFC 9457 members, so both kinds of client read it."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="laurel"'
    return JSONResponse(
        {
            "error": error,
            "error_description": description,
            "title": error,
            "status": status,
            "detail": description,
        },
        status_code=status,
        headers=headers,
    )


def _rate_limited(exc: RateLimited) -> JSONResponse:
    """429 problem details with Retry-After; ``error`` as RFC 6749 §4.1.2.1 names overload."""
    return JSONResponse(
        {
            **exc.to_problem(),
            "type": PROBLEM_BASE + exc.code,
            "error": "temporarily_unavailable",
            "error_description": exc.detail,
        },
        status_code=429,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"},
    )


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    client_id, secret = unquote(client_id), unquote(secret)
    if not sep or string_problem(client_id) or string_problem(secret):
        return None  # no client id holds a NUL: not credentials of any client
    return client_id, secret


@router.post("/oauth/token", summary="Client credentials token (RFC 6749 §4.4)")
def token(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    grant_type: Annotated[str, Form()],
    scope: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if grant_type != "client_credentials":
        return _oauth_error(
            400,
            "unsupported_grant_type",
            f'grant_type "{grant_type}" is not supported; use client_credentials',
        )
    creds = _basic_credentials(authorization)
    if creds is None and client_id and client_secret:
        creds = (client_id, client_secret)
    if creds is None:
        return _oauth_error(
            401,
            "invalid_client",
            "client authentication required (HTTP Basic with client_id:secret)",
        )
    throttle = services.token_throttle
    try:  # before the secret is hashed: each check costs ~70 ms of CPU
        throttle.admit(request.client.host if request.client else "", creds[0])
    except RateLimited as exc:
        return _rate_limited(exc)
    try:
        try:
            client = authenticate_client(session, *creds)
        except Unauthorized:
            throttle.failed(creds[0])
            raise
        issued = issue_token(session, client, scope, services.settings.access_token_ttl_seconds)
    except AppError as exc:
        error = exc.extra.get("error", "invalid_request")
        return _oauth_error(exc.status if exc.status in (400, 401) else 400, error, exc.detail)
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
