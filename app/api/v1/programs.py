"""Programs of the caller's organization and their rules (catalog:read / catalog:write)."""

from __future__ import annotations

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
from app.catalog.schemas import ProgramCreate, ProgramPublic, ProgramUpdate
from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute

router = APIRouter(tags=["catalog"], route_class=GuardedRoute)


@router.post(
    "/programs",
    status_code=201,
    response_model=ProgramPublic,
    summary="Create a program: required courses plus elective groups (any N of)",
)
def create_program(
    body: ProgramCreate,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        org = org_of(session, caller)
        program = services.catalog.create_program(session, org, body)
        out = services.catalog.program_out(org, program)
        return Reply(201, out, {"Location": f"/api/v1/programs/{program.slug}"})

    return respond(session, caller, idempotency_key, fingerprint, produce)


@router.get("/programs", response_model=list[ProgramPublic], summary="List programs")
def list_programs(
    request: Request,
    response: Response,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogReader,
    page: PageDep,
) -> list[ProgramPublic]:
    org = org_of(session, caller)
    rows, total = services.catalog.programs_page(session, caller.org_id, page.limit, page.offset)
    paginate(request, response, page, total)
    return [services.catalog.program_out(org, p) for p in rows]


@router.get("/programs/{slug}", response_model=ProgramPublic, summary="One program")
def get_program(
    slug: str, session: SessionDep, services: ServicesDep, caller: CatalogReader
) -> ProgramPublic:
    org = org_of(session, caller)
    return services.catalog.program_out(org, services.catalog.get_program(session, org, slug))


@router.patch(
    "/programs/{slug}",
    response_model=ProgramPublic,
    summary="Update a program (new rules apply to later evaluations)",
)
def update_program(
    slug: str,
    body: ProgramUpdate,
    session: SessionDep,
    services: ServicesDep,
    caller: CatalogWriter,
) -> ProgramPublic:
    org = org_of(session, caller)
    program = services.catalog.update_program(session, org, slug, body)
    return services.catalog.program_out(org, program)


@router.delete(
    "/programs/{slug}",
    status_code=204,
    summary="Delete a program (refused once it has awards)",
)
def delete_program(
    slug: str, session: SessionDep, services: ServicesDep, caller: CatalogWriter
) -> Response:
    services.catalog.delete_program(session, org_of(session, caller), slug)
    return Response(status_code=204)
