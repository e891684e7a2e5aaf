"""Learner record share links (/records/{id}), made and withdrawn by the LMS for a learner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.organizations import organization
from app.models import RecordShare
from app.sharing.schemas import RecordShareCreate, RecordShareList, RecordShareOut
from app.sharing.service import RecordShareService

router = APIRouter(
    prefix="/api/v1/learners/{lms_id}/record-shares",
    tags=["learner records"],
    route_class=GuardedRoute,
)


def _records(services: ServicesDep) -> RecordShareService:
    return services.sharing


RecordsDep = Annotated[RecordShareService, Depends(_records)]
ShareCaller = Annotated[Caller, require_scope(scopes.RECORDS_SHARE)]


def _out(records: RecordShareService, share: RecordShare) -> RecordShareOut:
    return RecordShareOut(
        id=share.id,
        url=records.share_url(share),
        label=share.label,
        created_at=share.created_at,
        revoked_at=share.revoked_at,
    )


@router.post("", status_code=201, response_model=RecordShareOut, summary="Make a record link")
def create_record_share(
    lms_id: str,
    session: SessionDep,
    records: RecordsDep,
    caller: ShareCaller,
    body: RecordShareCreate | None = None,
) -> Response:
    learner = records.learner(session, caller.org_id, lms_id)
    org = organization(session, caller.org_id)
    share = records.create_share(
        session, org, learner, body.label if body else None, caller.client_id
    )
    out = _out(records, share)
    return Response(
        out.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": out.url},
    )


@router.get("", response_model=RecordShareList, summary="A learner's record links")
def list_record_shares(
    lms_id: str, session: SessionDep, records: RecordsDep, caller: ShareCaller
) -> RecordShareList:
    learner = records.learner(session, caller.org_id, lms_id)
    return RecordShareList(items=[_out(records, s) for s in records.shares(session, learner)])


@router.delete("/{share_id}", status_code=204, summary="Revoke a record link (idempotent)")
def revoke_record_share(
    lms_id: str, share_id: str, session: SessionDep, records: RecordsDep, caller: ShareCaller
) -> Response:
    learner = records.learner(session, caller.org_id, lms_id)
    records.revoke_share(session, learner, share_id)
    return Response(status_code=204)
