"""Domain endpoints for the LMS under /api/v1: catalog, events, records."""

from fastapi import APIRouter

from app.api.v1 import courses, events, learners, organization, programs, records
from app.http.guard import GuardedRoute

router = APIRouter(prefix="/api/v1", route_class=GuardedRoute)
for _module in (courses, programs, learners, events, records, organization):
    router.include_router(_module.router)
