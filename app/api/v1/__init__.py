"""Domain endpoints for the LMS under /api/v1: catalog, events, records."""

from fastapi import APIRouter

from app.api.v1 import courses, events, learners, programs, records

router = APIRouter(prefix="/api/v1")
for _module in (courses, programs, learners, events, records):
    router.include_router(_module.router)
