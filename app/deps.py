"""Annotated dependency aliases: the only bridge from HTTP to services."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from app.accounts.csrf import CSRF_FIELD, check_csrf
from app.accounts.errors import SignInRequired
from app.accounts.sessions import SESSION_COOKIE, SignedInLearner, signed_in
from app.container import Services
from app.errors import Forbidden, Unauthorized
from app.http.body_limit import HANDED_SESSION
from app.http.problems import problem
from app.integrations.openedx.jwt_auth import LmsCaller
from app.issuers.clients import Caller, caller_for_token
from app.wallet.errors import OAuthError
from app.wallet.oid4vci import Oid4vciIssuer

#: Where the body-limit guard leaves the caller it authenticated, for ``get_caller``.
_CALLER = "laurel.caller"
_LMS_CALLER = "laurel.lms_caller"
_BEARER_REQUIRED = "a bearer access token is required (POST /oauth/token)"
P = ParamSpec("P")
R = TypeVar("R")


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, a hop that costs more CPU than these functions (issue 13).


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """The request's transaction: commit when the endpoint returns a response (whatever its
    status), roll back when an error escapes it. Services never commit.

    A guard that authenticated the caller hands over its session (its connection already
    checked out and pinged): the request carries on in it rather than checking out a second
    one. Otherwise making a session does no I/O (it connects on first use), so it is made
    here on the event loop; the commit or rollback, and the close that returns the
    connection, run in the thread pool in one hop."""
    handed = request.scope.get("state", {}).pop(HANDED_SESSION, None)
    session = handed if isinstance(handed, Session) else _request_session(services)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        raise
    if _committed_in_endpoint(session):
        session.close()  # no transaction, no connection: nothing to send, no thread needed
    else:
        await run_in_threadpool(_commit_and_close, session)
    # Batches (grades:batch, issue:batch) grow tables fast: a look at the planner statistics
    # when due, in a thread of its own (this code runs before the response is sent).
    services.statistics.refresh_soon()


def commits_in_its_thread(endpoint: Callable[P, R]) -> Callable[P, R]:
    """A plain ``def`` endpoint that commits its request session itself, in the worker
    thread it already runs in, once it has its response: ``get_session`` then has nothing
    left to send and skips its own hop to the thread pool (a hop costs about as much as a
    round trip to the database: issue 13, for the hot issuing routes). An error, the
    commit's included, escapes as from any endpoint: ``get_session`` rolls back."""

    @functools.wraps(endpoint)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        response = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                value.commit()
        return response

    return run


def _committed_in_endpoint(session: Session) -> bool:
    return not (session.in_transaction() or session.new or session.dirty or session.deleted)


def _request_session(services: Services) -> Session:
    return Session(services.engine, expire_on_commit=False)


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


# -- the signed-in learner (app/accounts/sessions.py) ---------------------------------------


def optional_learner(request: Request, session: SessionDep) -> SignedInLearner | None:
    """The person the session cookie signs in, or None."""
    return signed_in(session, request.cookies.get(SESSION_COOKIE))


OptionalLearner = Annotated[SignedInLearner | None, Depends(optional_learner)]


def current_learner(learner: OptionalLearner) -> SignedInLearner:
    """The signed-in person; else 401 ``sign-in-required`` (browsers: to /signin)."""
    if learner is None:
        raise SignInRequired("sign in with your learning platform's account first")
    return learner


CurrentLearner = Annotated[SignedInLearner, Depends(current_learner)]


async def form_learner(request: Request, learner: CurrentLearner) -> SignedInLearner:
    """The signed-in person submitting a form that carries their session's CSRF token
    (``csrf_token``); else 403 ``csrf-refused``. Every state-changing learner form uses it."""
    form = await request.form()
    check_csrf(learner, form.get(CSRF_FIELD))
    return learner


FormLearner = Annotated[SignedInLearner, Depends(form_learner)]


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

    def lookup() -> tuple[Caller, Session]:
        session = _request_session(services)
        try:
            return caller_for_token(session, token.strip()), session
        except BaseException:
            session.close()
            raise

    try:
        caller, session = await run_in_threadpool(lookup)
    except Unauthorized as exc:
        return _unauthorized(exc)
    state = scope.setdefault("state", {})
    state[_CALLER] = caller
    state[HANDED_SESSION] = session  # the request's session (get_session); its transaction
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


# -- the Open edX LMS calling the credentials-service API (app/api/openedx.py) -----------------


def _openedx_scope(path: str) -> str:
    """The credentials service's throttle scopes: grades have their own rate."""
    return "grades" if "/grades/" in path else "credentials"


def _jwt_unauthorized(exc: Unauthorized) -> Response:
    return problem(exc.status, exc.to_problem(), {"WWW-Authenticate": exc.challenge})


async def openedx_jwt_guard(scope: Scope) -> Response | None:
    """The LMS's ``Authorization: JWT`` checked (and its rate taken) before the body is read."""
    from app.http.rate_limit import RateLimited

    authorization = Headers(scope=scope).get("authorization")
    services = _services_of(scope)

    def lookup() -> LmsCaller:
        with Session(services.engine) as session:
            return services.openedx_api.caller(
                session, authorization, _openedx_scope(scope["path"])
            )

    try:
        caller = await run_in_threadpool(lookup)
    except Unauthorized as exc:
        return _jwt_unauthorized(exc)
    except RateLimited as exc:
        return problem(exc.status, exc.to_problem(), {"Retry-After": str(exc.retry_after)})
    scope.setdefault("state", {})[_LMS_CALLER] = caller
    return None


def get_lms_caller(request: Request, session: SessionDep, services: ServicesDep) -> LmsCaller:
    known = request.scope.get("state", {}).get(_LMS_CALLER)
    if isinstance(known, LmsCaller):  # authenticated before the body was read
        return known
    return services.openedx_api.caller(
        session, request.headers.get("authorization"), _openedx_scope(request.url.path)
    )


LmsCallerDep = Annotated[LmsCaller, Depends(get_lms_caller)]
