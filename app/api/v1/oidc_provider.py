"""The caller's organization's learner sign-in: its OpenID Connect provider (the LMS).

``PUT`` sets it (the client secret is write-only; leave it out to keep the stored one),
``GET`` shows it with the redirect URI to register at the provider, ``DELETE`` turns
sign-in off for good. Scope ``signin:admin``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from app.accounts import providers
from app.accounts.schemas import ProviderPublic, ProviderSettings
from app.api.v1.common import org_of
from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller

router = APIRouter(tags=["sign-in"], route_class=GuardedRoute)
SigninAdmin = Annotated[Caller, require_scope(scopes.SIGNIN_ADMIN)]


@router.get("/oidc-provider", response_model=ProviderPublic, summary="The learner sign-in provider")
def get_provider(session: SessionDep, services: ServicesDep, caller: SigninAdmin) -> ProviderPublic:
    provider = providers.provider_of(session, org_of(session, caller))
    return providers.public(provider, services.oidc.redirect_uri)


@router.put(
    "/oidc-provider",
    response_model=ProviderPublic,
    summary="Set the learner sign-in provider (OpenID Connect)",
)
def put_provider(
    body: ProviderSettings, session: SessionDep, services: ServicesDep, caller: SigninAdmin
) -> ProviderPublic:
    provider = providers.configure(session, org_of(session, caller), body)
    return providers.public(provider, services.oidc.redirect_uri)


@router.delete("/oidc-provider", status_code=204, summary="Turn learner sign-in off")
def delete_provider(session: SessionDep, caller: SigninAdmin) -> Response:
    providers.remove(session, org_of(session, caller))
    return Response(status_code=204)
