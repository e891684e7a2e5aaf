"""Learners of the caller's organization, named by their LMS user id."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

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
from app.catalog.schemas import LearnerCreate, LearnerPublic, LearnerUpdate
from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute

router = APIRouter(tags=["catalog"], route_class=GuardedRoute)


@router.post("/learners", status_code=201, response_model=LearnerPublic, summary="Add a learner")
def create_learner(
    body: LearnerCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        learner = services.catalog.create_learner(session, org_of(session, caller), body)
        location = f"/api/v1/learners/{quote(learner.lms_id, safe='')}"
        return Reply(201, services.catalog.learner_out(learner), {"Location": location})

    return respond(session, caller, idempotency_key, fingerprint, produce)


@router.get("/learners", response_model=list[LearnerPublic], summary="List learners")
def list_learners(
    request: Request,
    response: Response,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogReader,
    page: PageDep,
) -> list[LearnerPublic]:
    rows, total = services.catalog.learners_page(session, caller.org_id, page.limit, page.offset)
    paginate(request, response, page, total)
    return [services.catalog.learner_out(learner) for learner in rows]


@router.get("/learners/{id}", response_model=LearnerPublic, summary="One learner")
def get_learner(
    id: str, session: SessionDep, services: ServicesDep, caller: CatalogReader
) -> LearnerPublic:
    learner = services.catalog.get_learner(session, org_of(session, caller), id)
    return services.catalog.learner_out(learner)


@router.patch(
    "/learners/{id}",
    response_model=LearnerPublic,
    summary="Update a learner (a new name appears in credentials issued or re-issued later)",
)
def update_learner(
    id: str, body: LearnerUpdate, session: SessionDep, services: ServicesDep, caller: CatalogWriter
) -> LearnerPublic:
    learner = services.catalog.update_learner(session, org_of(session, caller), id, body)
    return services.catalog.learner_out(learner)
