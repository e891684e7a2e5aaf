"""The caller's organization settings: suspension, LinkedIn company id, indexing.

Reading needs catalog:read; changing them catalog:write (the same admin who sets up courses).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.v1.common import CatalogReader, CatalogWriter, org_of
from app.deps import SessionDep
from app.http.guard import GuardedRoute
from app.issuers.settings import (
    OrganizationSettings,
    OrganizationSettingsPublic,
    settings_of,
    update_settings,
)

router = APIRouter(tags=["organization"], route_class=GuardedRoute)


@router.get(
    "/organization",
    response_model=OrganizationSettingsPublic,
    summary="The caller's organization settings",
)
def get_settings(session: SessionDep, caller: CatalogReader) -> OrganizationSettingsPublic:
    return settings_of(org_of(session, caller))


@router.patch(
    "/organization",
    response_model=OrganizationSettingsPublic,
    summary="Change the organization's suspension, LinkedIn id or indexing setting",
)
def patch_settings(
    body: OrganizationSettings, session: SessionDep, caller: CatalogWriter
) -> OrganizationSettingsPublic:
    return settings_of(update_settings(session, org_of(session, caller), body))
