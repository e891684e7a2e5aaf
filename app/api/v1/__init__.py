"""Domain endpoints for the LMS under /api/v1: catalog, events, records."""

from fastapi import APIRouter

from app.api.v1 import (
    courses,
    events,
    learners,
    oidc_provider,
    openedx,
    organization,
    programs,
    records,
)
from app.http.guard import GuardedRoute

router = APIRouter(prefix="/api/v1", route_class=GuardedRoute)
for _module in (courses, programs, learners, events, records, openedx, oidc_provider, organization):
    router.include_router(_module.router)
