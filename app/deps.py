"""Annotated dependency aliases: the only bridge from HTTP to services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.container import Services
from app.errors import Forbidden, Unauthorized
from app.issuers.clients import Caller, caller_for_token


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """The request's transaction: commit when the endpoint returns a response (whatever its
    status), roll back when an error escapes it. Services never commit."""
    with Session(services.engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


#: ``scope="function"``: the commit runs when the endpoint returns, before the response is
#: sent, so a failed commit becomes an error response rather than a 200 for a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False)


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer access token is required (POST /oauth/token)")
    return caller_for_token(session, credentials.credentials)


ClientDep = Annotated[Caller, Depends(get_caller)]


def require_scope(scope: str):  # type: ignore[no-untyped-def]
    """A dependency that refuses a caller whose token lacks ``scope``."""

    def check(caller: ClientDep) -> Caller:
        if scope not in caller.scopes:
            raise Forbidden(f'the access token lacks the scope "{scope}"', scope=scope)
        return caller

    return Depends(check)
