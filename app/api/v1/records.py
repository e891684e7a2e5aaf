"""Learner records (records:read): credentials, program progress, registrar export, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.api.v1.common import PageDep, org_of, paginate
from app.awards.schemas import AuditOut, LearnerCredential, LearnerGrade, LearnerProgram
from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller

router = APIRouter(tags=["records"], route_class=GuardedRoute)
RecordsReader = Annotated[Caller, require_scope(scopes.RECORDS)]


@router.get(
    "/learners/{id}/credentials",
    response_model=list[LearnerCredential],
    summary="Every course and program credential of a learner, with its status",
)
def learner_credentials(
    id: str, session: SessionDep, services: ServicesDep, caller: RecordsReader
) -> list[LearnerCredential]:
    learner = services.catalog.get_learner(session, org_of(session, caller), id)
    return services.records.credentials(session, learner)


@router.get(
    "/learners/{id}/grades",
    response_model=list[LearnerGrade],
    summary="A learner's stored grade per course run (the newest the LMS sent)",
)
def learner_grades(
    id: str, session: SessionDep, services: ServicesDep, caller: RecordsReader
) -> list[LearnerGrade]:
    learner = services.catalog.get_learner(session, org_of(session, caller), id)
    return services.records.grades(session, learner)


@router.get(
    "/learners/{id}/programs",
    response_model=list[LearnerProgram],
    summary="A learner's progress in each program: earned, remaining, rule by rule",
)
def learner_programs(
    id: str,
    session: SessionDep,
    services: ServicesDep,
    caller: RecordsReader,
    include_all: Annotated[
        bool, Query(alias="all", description="Also programs the learner has not started")
    ] = False,
) -> list[LearnerProgram]:
    learner = services.catalog.get_learner(session, org_of(session, caller), id)
    return services.records.programs(session, learner, include_all=include_all)


@router.get(
    "/records/export.csv",
    summary="Every award of the organization as CSV, for the registrar",
    responses={200: {"content": {"text/csv": {}}}},
    response_class=StreamingResponse,
)
def export_records(services: ServicesDep, caller: RecordsReader) -> StreamingResponse:
    return StreamingResponse(
        services.records.export_csv(services.engine, caller.org_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="laurel-records.csv"'},
    )


@router.get(
    "/audit",
    response_model=list[AuditOut],
    summary="Awards, re-issues, refusals and cascades: who, when and why (newest first)",
)
def audit_trail(
    request: Request,
    response: Response,
    session: SessionDep,
    services: ServicesDep,
    caller: RecordsReader,
    page: PageDep,
    learner: Annotated[str | None, Query(max_length=255)] = None,
    action: Annotated[str | None, Query(pattern="^(awarded|refused|reissued|revoked)$")] = None,
) -> list[AuditOut]:
    rows, total = services.records.audit_page(
        session, caller.org_id, page.limit, page.offset, learner, action
    )
    paginate(request, response, page, total)
    return [services.records.audit_out(e) for e in rows]
