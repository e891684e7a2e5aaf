"""Course runs of the caller's organization (catalog:read / catalog:write)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from app.api.v1.common import (
    CatalogReader,
    CatalogWriter,
    Fingerprint,
    IdempotencyKeyHeader,
    PageDep,
    Reply,
    org_of,
    paginate,
    respond,
)
from app.catalog.schemas import CourseCreate, CoursePublic, CourseUpdate
from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute

router = APIRouter(tags=["catalog"], route_class=GuardedRoute)


@router.post(
    "/courses",
    status_code=201,
    response_model=CoursePublic,
    summary="Create a course run",
    responses={409: {"description": "a run with this key exists, or Idempotency-Key reuse"}},
)
def create_course(
    body: CourseCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        org = org_of(session, caller)
        course = services.catalog.create_course(session, org, body)
        location = f"/api/v1/courses/{quote(course.key, safe='')}"
        return Reply(201, services.catalog.course_out(org, course), {"Location": location})

    return respond(session, caller, idempotency_key, fingerprint, produce)


@router.get("/courses", response_model=list[CoursePublic], summary="List course runs")
def list_courses(
    request: Request,
    response: Response,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogReader,
    page: PageDep,
    course: Annotated[
        str | None, Query(max_length=255, description="Only runs of this course")
    ] = None,
) -> list[CoursePublic]:
    org = org_of(session, caller)
    rows, total = services.catalog.courses_page(
        session, caller.org_id, page.limit, page.offset, course
    )
    paginate(request, response, page, total)
    return [services.catalog.course_out(org, c) for c in rows]


@router.get("/courses/{key:path}", response_model=CoursePublic, summary="One course run")
def get_course(
    key: str, session: SessionDep, services: ServicesDep, caller: CatalogReader
) -> CoursePublic:
    org = org_of(session, caller)
    return services.catalog.course_out(org, services.catalog.get_course(session, org, key))


@router.patch("/courses/{key:path}", response_model=CoursePublic, summary="Update a course run")
def update_course(
    key: str, body: CourseUpdate, session: SessionDep, services: ServicesDep, caller: CatalogWriter
) -> CoursePublic:
    org = org_of(session, caller)
    return services.catalog.course_out(org, services.catalog.update_course(session, org, key, body))


@router.delete(
    "/courses/{key:path}",
    status_code=204,
    summary="Delete a course run (refused once it has awards)",
    responses={409: {"description": "the run has awarded credentials"}},
)
def delete_course(
    key: str, session: SessionDep, services: ServicesDep, caller: CatalogWriter
) -> Response:
    services.catalog.delete_course(session, org_of(session, caller), key)
    return Response(status_code=204)
