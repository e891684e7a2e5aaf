"""Annotated dependency aliases: the only bridge from HTTP to services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from app.container import Services
from app.errors import Forbidden, Unauthorized
from app.http.problems import problem
from app.issuers.clients import Caller, caller_for_token
from app.wallet.errors import OAuthError
from app.wallet.oid4vci import Oid4vciIssuer

#: Where the body-limit guard leaves the caller it authenticated, for ``get_caller``.
_CALLER = "laurel.caller"
_BEARER_REQUIRED = "a bearer access token is required (POST /oauth/token)"


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, a hop that costs more CPU than these functions (issue 13).


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    """The request's transaction: commit when the endpoint returns a response (whatever its
    status), roll back when an error escapes it. Services never commit.

    Making a session does no I/O (it connects on first use), so it is made here on the event
    loop; the commit or rollback, and the close that returns the connection, run in the
    thread pool in one hop."""
    session = Session(services.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        raise
    await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


#: ``scope="function"``: the commit runs when the endpoint returns, before the response is
#: sent, so a failed commit becomes an error response rather than a 200 for a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False)


async def get_caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    known = request.scope.get("state", {}).get(_CALLER)
    if isinstance(known, Caller):  # authenticated before the body was read
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(_BEARER_REQUIRED)
    return await run_in_threadpool(caller_for_token, session, credentials.credentials)


ClientDep = Annotated[Caller, Depends(get_caller)]


def require_scope(*needed: str) -> Any:  # what Depends() returns, for Annotated[...]
    """A dependency that refuses a caller whose token lacks any of the ``needed`` scopes."""

    async def check(caller: ClientDep) -> Caller:
        for scope in needed:
            if scope not in caller.scopes:
                raise Forbidden(f'the access token lacks the scope "{scope}"', scope=scope)
        return caller

    return Depends(check)


# -- guards: authentication before a request body is read (app/http/body_limit.py) ----------


def _services_of(scope: Scope) -> Services:
    return scope["app"].state.services


def _unauthorized(exc: Unauthorized) -> Response:
    return problem(exc.status, exc.to_problem(), {"WWW-Authenticate": 'Bearer realm="laurel"'})


async def api_client_guard(scope: Scope) -> Response | None:
    """An API client's bearer token, checked before FastAPI reads and parses the body."""
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized(Unauthorized(_BEARER_REQUIRED))
    services = _services_of(scope)

    def lookup() -> Caller:
        with Session(services.engine) as session:
            return caller_for_token(session, token.strip())

    try:
        caller = await run_in_threadpool(lookup)
    except Unauthorized as exc:
        return _unauthorized(exc)
    scope.setdefault("state", {})[_CALLER] = caller
    return None


async def wallet_token_guard(scope: Scope) -> Response | None:
    """An OID4VCI access token (from /oid4vci/token), checked before the body is read."""
    authorization = Headers(scope=scope).get("authorization")
    services = _services_of(scope)

    def lookup() -> None:
        with Session(services.engine) as session:
            Oid4vciIssuer(services.wallet).offer_for_token(session, authorization)

    try:
        await run_in_threadpool(lookup)
    except OAuthError as exc:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())
    return None
