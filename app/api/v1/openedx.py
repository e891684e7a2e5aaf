"""The organization's Open edX site (scope openedx:admin): what ``laurel openedx connect``
sets, over the API. Secrets are write-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from app.api.v1.common import org_of
from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.integrations.openedx.connections import (
    connect,
    connection_of,
    connection_out,
    settings_of,
)
from app.integrations.openedx.schemas import ConnectionIn, ConnectionOut
from app.issuers import scopes
from app.issuers.clients import Caller

router = APIRouter(prefix="/openedx", tags=["openedx"], route_class=GuardedRoute)
Admin = Annotated[Caller, require_scope(scopes.OPENEDX)]


@router.get("/connection", response_model=ConnectionOut, summary="The organization's Open edX site")
def get_connection(session: SessionDep, caller: Admin) -> ConnectionOut:
    connection, codes = connection_of(session, org_of(session, caller))
    return connection_out(connection, codes)


@router.put(
    "/connection",
    response_model=ConnectionOut,
    summary="Connect (or reconnect) the organization's Open edX site",
)
def put_connection(
    body: ConnectionIn, session: SessionDep, caller: Admin, services: ServicesDep
) -> ConnectionOut:
    check = services.openedx_api.verifier.jwks.check_url
    connection, codes = connect(session, org_of(session, caller), settings_of(body), check)
    return connection_out(connection, codes)
