"""The resource routes shared by the OB 3.0 API (app/api/obapi.py) and the CLR 2.0 API
(app/api/clr.py): discovery, credentials (GET paged, POST upsert) and profile (GET, PUT).

Every error is an ``Imsx_StatusInfo`` (OB 3.0 §B.2), never problem details: the route class
turns refused input, bearer refusals and service errors into one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.accounts import api_scopes, oauth_server
from app.accounts.discovery import BASE_PATHS, Api, discovery_document
from app.accounts.obapi import ImsxError, Page
from app.deps import ServicesDep, SessionDep
from app.errors import AppError
from app.http.guard import GuardedRoute, checked_json

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_BODY = 1_000_000
NO_STORE = {"Cache-Control": "no-store"}


class ImsxRoute(GuardedRoute):
    """Answers ``ImsxError`` and refused input as ``Imsx_StatusInfo`` JSON."""

    def refuse(self, error: AppError) -> Exception:
        return ImsxError(400, "invalid_data", error.detail)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except ImsxError as exc:
                return imsx_response(exc)

        return route


def imsx_response(exc: ImsxError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers={**NO_STORE, **exc.headers()})


class BearerImsxError(ImsxError):
    def __init__(self, refused: oauth_server.BearerRefused) -> None:
        minor = "unauthorizedrequest" if refused.status == 401 else "forbidden"
        super().__init__(refused.status, minor, refused.description)
        challenge = f'Bearer realm="laurel", error="{refused.error}"'
        if refused.scope:
            challenge += f', scope="{refused.scope}"'
        self.challenge = challenge

    def headers(self) -> dict[str, str]:
        """RFC 6750 §3: the challenge names the error (and the scope that was missing)."""
        return {"WWW-Authenticate": self.challenge}


def _grant(session: Any, request: Request, scope: str) -> oauth_server.ApiGrant:
    try:
        return oauth_server.authorize_bearer(session, request.headers.get("authorization"), scope)
    except oauth_server.BearerRefused as refused:
        raise BearerImsxError(refused) from None


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ImsxError(400, "invalid_query_parameter", f"{name} must be an integer {low}-{high}")
    return int(raw)


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ImsxError(
            400, "invalid_query_parameter", "since must be an ISO 8601 date-time"
        ) from None
    if value.tzinfo is None:
        raise ImsxError(400, "invalid_query_parameter", "since must carry a time zone")
    return value


def paging_headers(url: str, page: Page, limit: int, offset: int) -> dict[str, str]:
    """OB 3.0 §6.4 (RFC 8288): first and last always, next and prev when they exist."""
    last = max(0, ((page.total - 1) // limit) * limit) if page.total else 0

    def link(rel: str, at: int) -> str:
        return f'<{url}?{urlencode({"limit": limit, "offset": at})}>; rel="{rel}"'

    links = [link("first", 0)]
    if offset + limit < page.total:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    links.append(link("last", last))
    return {"X-Total-Count": str(page.total), "Link": ", ".join(links)}


async def _credential_body(request: Request) -> Any:
    """JSON (``application/json``, ``application/ld+json``, ``application/vc+ld+json``) or a
    compact JWS (``text/plain``, OB 3.0 §6.2.3)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ImsxError(413, "invalid_data", "the credential is too large")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/plain":
        try:
            return raw.decode().strip()
        except UnicodeDecodeError:
            raise ImsxError(400, "invalid_data", "the JWS must be ASCII text") from None
    if media in ("application/json", "application/ld+json", "application/vc+ld+json", ""):
        return _json(raw)
    raise ImsxError(415, "invalid_data", "send application/json or text/plain (a compact JWS)")


def _json(raw: bytes) -> Any:
    try:
        return checked_json(raw)
    except (ValueError, RecursionError):
        raise ImsxError(400, "invalid_data", "the body is not JSON") from None
    except AppError as exc:
        raise ImsxError(400, "invalid_data", exc.detail) from None


def build_router(api: Api, tag: str) -> APIRouter:
    scopes = api_scopes.OB_SCOPES if api == "ob" else api_scopes.CLR_SCOPES
    read, upsert, profile_read, profile_update = scopes
    base = BASE_PATHS[api]
    router = APIRouter(prefix=base, tags=[tag], route_class=ImsxRoute)

    @router.get("/discovery", summary="Service description document (OpenAPI 3.0)")
    def discovery(services: ServicesDep) -> JSONResponse:
        base_url = services.identity.base_url
        settings = services.settings
        document = discovery_document(
            api,
            base_url,
            settings.privacy_policy_url or f"{base_url}/",
            settings.terms_of_service_url or f"{base_url}/",
        )
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})

    @router.get("/credentials", summary="The learner's credentials, paged (getCredentials)")
    def get_credentials(request: Request, session: SessionDep, services: ServicesDep) -> Response:
        grant = _grant(session, request, read)
        limit = _int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, 10**9)
        page = services.obapi.credentials(
            session, grant.account_id, api, limit, offset, _since(request)
        )
        url = f"{services.identity.base_url}{base}/credentials"
        headers = {**NO_STORE, **paging_headers(url, page, limit, offset)}
        return JSONResponse(page.body(), headers=headers)

    @router.post(
        "/credentials", summary="Add or replace a credential received elsewhere (upsertCredential)"
    )
    async def upsert_credential(
        request: Request, session: SessionDep, services: ServicesDep
    ) -> Response:
        grant = _grant(session, request, upsert)
        value = await _credential_body(request)
        done = services.obapi.upsert(session, grant.account_id, api, value)
        status = 201 if done.created else 200
        if done.jws is not None:
            return Response(done.jws, status_code=status, media_type="text/plain")
        return JSONResponse(done.credential, status_code=status)

    @router.get("/profile", summary="The learner's profile (getProfile)")
    def get_profile(request: Request, session: SessionDep, services: ServicesDep) -> Response:
        grant = _grant(session, request, profile_read)
        return JSONResponse(services.obapi.profile(session, grant.account_id), headers=NO_STORE)

    @router.put("/profile", summary="Replace the learner's profile (putProfile)")
    async def put_profile(request: Request, session: SessionDep, services: ServicesDep) -> Response:
        grant = _grant(session, request, profile_update)
        raw = await request.body()
        if len(raw) > 64 * 1024:
            raise ImsxError(413, "invalid_data", "the profile is too large")
        profile = services.obapi.put_profile(session, grant.account_id, _json(raw))
        return JSONResponse(profile, headers=NO_STORE)

    return router


__all__ = ["build_router"]
