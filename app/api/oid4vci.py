"""OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code flow) over HTTP.

Errors are OAuth 2.0 error JSON (``{"error", "error_description"}``), never problem details:
the routes use ``OAuthErrorRoute``, and bodies are parsed here, so no validation error takes
the problem+json path. The protocol logic is in app/wallet/oid4vci.py.

An OAuth error is an answer, returned rather than raised, so the request's transaction commits
with it: a counted ``tx_code`` attempt, a spent nonce and the fresh ``c_nonce`` an error
carries are kept. Work that must not half-happen (delivering a wallet copy) runs in a savepoint
that the error undoes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.deps import ServicesDep, SessionDep
from app.errors import AppError
from app.http.guard import GuardedRoute, check_form
from app.wallet import oid4vci
from app.wallet.errors import OAuthError

NO_STORE = {"Cache-Control": "no-store"}
MAX_BODY = 64 * 1024


class OAuthErrorRoute(GuardedRoute):
    """Turns an ``OAuthError`` raised anywhere in the route into its OAuth JSON answer."""

    def refuse(self, error: AppError) -> Exception:
        return OAuthError("invalid_request", error.detail)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except OAuthError as exc:
                return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())

        return route


router = APIRouter(tags=["openid4vci"], route_class=OAuthErrorRoute)


@router.get(
    "/.well-known/openid-credential-issuer", summary="Credential Issuer Metadata (OID4VCI §12.2)"
)
def issuer_metadata(services: ServicesDep) -> JSONResponse:
    return JSONResponse(
        oid4vci.issuer_metadata(services.identity.base_url),
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="OAuth 2.0 Authorization Server Metadata (RFC 8414) for the pre-authorized code",
)
def authorization_server_metadata(services: ServicesDep) -> JSONResponse:
    return JSONResponse(
        oid4vci.authorization_server_metadata(services.identity.base_url),
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/oid4vci/offers/{token}", summary="A Credential Offer by reference (OID4VCI §4.1.3)")
def credential_offer(token: str, session: SessionDep, services: ServicesDep) -> JSONResponse:
    offer = services.oid4vci.offer(session, token)
    return JSONResponse(offer, headers=NO_STORE)


@router.post("/oid4vci/token", summary="Token endpoint: the pre-authorized code grant (§6)")
async def token(request: Request, session: SessionDep, services: ServicesDep) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in content_type:
        raise OAuthError(
            "invalid_request", "the token request must be application/x-www-form-urlencoded"
        )
    form = {key: value for key, value in (await request.form()).items()}
    try:
        check_form(form)
    except AppError as exc:
        raise OAuthError("invalid_request", exc.detail) from None
    issuer = services.oid4vci
    answer = await run_in_threadpool(issuer.token, session, form)
    return JSONResponse(answer, headers={**NO_STORE, "Pragma": "no-cache"})


@router.post("/oid4vci/nonce", summary="Nonce endpoint: a fresh c_nonce (§7)")
def nonce(services: ServicesDep) -> JSONResponse:
    return JSONResponse(services.oid4vci.nonce(), headers=NO_STORE)


@router.post(
    "/oid4vci/credential", summary="Credential endpoint: a credential bound to the key proof (§8)"
)
async def credential(request: Request, session: SessionDep, services: ServicesDep) -> JSONResponse:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise OAuthError("invalid_credential_request", "the request body is too large")
    issuer = services.oid4vci
    answer = await run_in_threadpool(
        issuer.credential, session, request.headers.get("authorization"), raw
    )
    return JSONResponse(answer, headers=NO_STORE)
