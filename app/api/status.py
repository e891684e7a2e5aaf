"""Status lists for every verifier, and status changes for the LMS (revoke/suspend/reinstate)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import Response

from app.credentials.schemas import (
    CredentialRecord,
    StatusChange,
    StatusEventOut,
    VcApiStatusRequest,
)
from app.deps import ServicesDep, SessionDep, require_scope
from app.errors import Conflict, InvalidInput, NotFound
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller
from app.models import IssuedCredential
from app.models.enums import StatusPurpose

router = APIRouter(tags=["status"], route_class=GuardedRoute)

#: Short: a revocation reaches verifiers within minutes (BSL §6.4 caching).
STATUS_CACHE = "public, max-age=300"


@router.get(
    "/status/{public_id}",
    summary="A signed status list credential (BSL §2.2)",
    responses={200: {"content": {"application/vc+ld+json": {}}}, 304: {}},
)
def get_status_list(
    public_id: str,
    session: SessionDep,
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    published = services.status_lists.published(session, public_id)
    if published is None:
        raise NotFound(f'no status list "{public_id}"', field="public_id")
    document, etag = published
    headers = {"ETag": etag, "Cache-Control": STATUS_CACHE, "Access-Control-Allow-Origin": "*"}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(document, media_type="application/vc+ld+json", headers=headers)


def record_out(services: Any, session: Any, record: IssuedCredential) -> CredentialRecord:
    events = services.credential_status.history(session, record.uuid)
    return CredentialRecord(
        uuid=record.uuid,
        id=record.credential_id,
        kind=record.kind,
        status=record.status,
        status_reason=record.status_reason,
        issued_at=record.issued_at.isoformat(),
        superseded_by=record.superseded_by,
        history=[
            StatusEventOut(action=e.action, reason=e.reason, actor=e.actor, at=e.at.isoformat())
            for e in events
        ],
    )


StatusCaller = Annotated[Caller, require_scope(scopes.STATUS)]


@router.get(
    "/api/v1/credentials/{uuid}",
    response_model=CredentialRecord,
    summary="The stored credential record: status, reason, history",
)
def credential_record(
    uuid: str,
    session: SessionDep,
    services: ServicesDep,
    caller: Annotated[Caller, require_scope(scopes.READ)],
) -> CredentialRecord:
    record = services.credential_status.get_owned(session, caller.org_id, uuid)
    return record_out(services, session, record)


def _status_route(action: str, summary: str) -> None:
    """POST /api/v1/credentials/{uuid}/{action}: one status change, answered with the record."""

    def change(
        uuid: str,
        body: StatusChange,
        session: SessionDep,
        services: ServicesDep,
        caller: StatusCaller,
    ) -> CredentialRecord:
        record = services.credential_status.get_owned(session, caller.org_id, uuid)
        getattr(services.credential_status, action)(session, record, body.reason, caller.client_id)
        return record_out(services, session, record)

    change.__name__ = action
    router.post(
        f"/api/v1/credentials/{{uuid}}/{action}", response_model=CredentialRecord, summary=summary
    )(change)


_status_route("revoke", "Revoke a credential (final)")
_status_route("suspend", "Suspend a credential (needs a suspension entry)")
_status_route("reinstate", "Reinstate a suspended credential")


@router.post(
    "/api/v1/credentials/{uuid}/reissue",
    response_model=CredentialRecord,
    status_code=201,
    summary="Issue a successor (same awardedDate); the old one is revoked as superseded. "
    "Needs credentials:issue and credentials:status (it revokes the original).",
)
def reissue(
    uuid: str,
    session: SessionDep,
    services: ServicesDep,
    caller: Annotated[Caller, require_scope(scopes.ISSUE, scopes.STATUS)],
) -> CredentialRecord:
    record = services.credential_status.get_owned(session, caller.org_id, uuid)
    successor = services.reissuer.reissue(session, record, caller.client_id)
    return record_out(services, session, successor)


@router.post("/credentials/status", summary="Update a credential's status (VC-API)")
def vc_api_status(
    body: VcApiStatusRequest, session: SessionDep, services: ServicesDep, caller: StatusCaller
) -> dict[str, Any]:
    record = services.credential_status.get_owned_by_credential_id(
        session, caller.org_id, body.credentialId
    )
    items = (
        body.credentialStatus
        if isinstance(body.credentialStatus, list)
        else [body.credentialStatus]
    )
    service = services.credential_status
    for item in items:
        purpose = item.statusPurpose
        if purpose == StatusPurpose.REVOCATION:
            if not body.status:
                raise Conflict("revocation is final and cannot be undone", field="status")
            service.revoke(session, record, None, caller.client_id)
        elif purpose == StatusPurpose.SUSPENSION:
            if body.status:
                service.suspend(session, record, None, caller.client_id)
            else:
                service.reinstate(session, record, None, caller.client_id)
        else:
            raise InvalidInput(
                f'statusPurpose "{purpose}" is not supported; use revocation or suspension',
                field="credentialStatus.statusPurpose",
            )
    return {"credentialId": record.credential_id, "status": record.status}
