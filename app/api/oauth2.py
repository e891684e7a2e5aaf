"""The OAuth 2.0 endpoints of the OB 3.0 / CLR 2.0 API (OB 3.0 §7): dynamic client
registration (RFC 7591), the token endpoint (authorization code with PKCE, refresh with
rotation) and revocation (RFC 7009). The authorization endpoint is a page (app/web/consent.py).

Errors are OAuth error JSON, returned (not raised) so the transaction commits with them: a
replayed code or reused refresh token revokes its family, and that revocation must stay.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.accounts import oauth_clients, oauth_server
from app.api.oid4vci import OAuthErrorRoute
from app.deps import ServicesDep, SessionDep
from app.errors import AppError
from app.http.guard import check_form, checked_json
from app.wallet.errors import OAuthError

router = APIRouter(tags=["ob-api-oauth"], route_class=OAuthErrorRoute)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_BODY = 64 * 1024


def _error(exc: OAuthError) -> JSONResponse:
    headers = exc.headers()
    if exc.error == "invalid_client":  # RFC 6749 §5.2: the scheme the client used
        headers["WWW-Authenticate"] = 'Basic realm="laurel"'
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def _form(request: Request) -> dict[str, str]:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        raise OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded")
    form = await request.form()
    try:
        check_form(form)
    except AppError as exc:
        raise OAuthError("invalid_request", exc.detail) from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post(
    "/oauth2/register",
    status_code=201,
    summary="Dynamic client registration (RFC 7591; OB 3.0 §7.1), no initial access token",
)
async def register(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    address = request.client.host if request.client else ""
    try:
        oauth_clients.admit_registration(services.token_throttle.limiter, address)
    except OAuthError as exc:
        retry = str(exc.extra.get("retry_after", 60))
        return JSONResponse(exc.body(), status_code=429, headers={**NO_STORE, "Retry-After": retry})
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise OAuthError("invalid_client_metadata", "the registration request is too large")
    try:
        metadata: Any = checked_json(raw)
    except (ValueError, RecursionError):
        raise OAuthError("invalid_client_metadata", "the body must be a JSON object") from None
    except AppError as exc:
        raise OAuthError("invalid_client_metadata", exc.detail) from None
    registration = oauth_clients.register(session, metadata)
    return JSONResponse(registration.response(), status_code=201, headers=NO_STORE)


@router.post("/oauth2/token", summary="Token endpoint: authorization_code (PKCE), refresh_token")
async def token(request: Request, session: SessionDep) -> Response:
    try:
        form = await _form(request)
        client = oauth_clients.authenticate(session, request.headers.get("authorization"))
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = oauth_server.exchange_code(session, client, form)
        elif grant_type == "refresh_token":
            grant = oauth_server.refresh(session, client, form)
        else:
            raise OAuthError(
                "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
            )
    except OAuthError as exc:
        return _error(exc)  # returned: a family revoked on replay stays revoked
    return JSONResponse(grant.response(), headers=NO_STORE)


@router.post("/oauth2/revoke", summary="Token revocation (RFC 7009)")
async def revoke(request: Request, session: SessionDep) -> Response:
    try:
        form = await _form(request)
        client = oauth_clients.authenticate(session, request.headers.get("authorization"))
        token_value = form.get("token")
        if not token_value:
            raise OAuthError("invalid_request", "token is required")
    except OAuthError as exc:
        return _error(exc)
    oauth_server.revoke(session, client, token_value)
    return Response(status_code=200, headers=NO_STORE)  # RFC 7009 §2.2: 200, also if unknown
