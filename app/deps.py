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
    with Session(services.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer access token is required (POST /oauth/token)")
    return caller_for_token(session, credentials.credentials)


ClientDep = Annotated[Caller, Depends(get_caller)]


def require_scope(*needed: str):  # type: ignore[no-untyped-def]
    """A dependency that refuses a caller whose token lacks any of the ``needed`` scopes."""

    def check(caller: ClientDep) -> Caller:
        for scope in needed:
            if scope not in caller.scopes:
                raise Forbidden(f'the access token lacks the scope "{scope}"', scope=scope)
        return caller

    return Depends(check)
