"""Key administration for an organization (scope keys:admin): rotate, revoke, re-issue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.keys.schemas import AffectedOut, KeyOut, ReissuedOut, RotateIn
from app.models import SigningKey
from app.models.enums import KeyStatus

router = APIRouter(prefix="/api/v1/keys", tags=["keys"], route_class=GuardedRoute)
AdminCaller = Annotated[Caller, require_scope(scopes.KEYS)]


def _out(key: SigningKey) -> KeyOut:
    return KeyOut(
        kid=key.fragment,
        type=key.key_type,
        status=key.status,
        created_at=key.created_at.isoformat(),
        retired_at=key.retired_at.isoformat() if key.retired_at else None,
        revoked_at=key.revoked_at.isoformat() if key.revoked_at else None,
    )


@router.get("", response_model=list[KeyOut], summary="The organization's keys")
def list_keys(session: SessionDep, services: ServicesDep, caller: AdminCaller) -> list[KeyOut]:
    return [_out(k) for k in services.keys.all_keys(session, caller.org_id)]


@router.post(
    "/rotate",
    response_model=KeyOut,
    status_code=201,
    summary="Make a new key active; the previous one is retired (still published)",
)
def rotate(
    body: RotateIn, session: SessionDep, services: ServicesDep, caller: AdminCaller
) -> KeyOut:
    return _out(services.keys.rotate(session, caller.org_id, body.type))


@router.post(
    "/{kid}/revoke",
    response_model=KeyOut,
    summary="Unpublish a compromised key; its credentials stop verifying",
)
def revoke(kid: str, session: SessionDep, services: ServicesDep, caller: AdminCaller) -> KeyOut:
    return _out(services.keys.revoke(session, services.keys.get(session, caller.org_id, kid)))


@router.get(
    "/{kid}/credentials",
    response_model=AffectedOut,
    summary="Credentials signed by a revoked key that need re-issue",
)
def affected(
    kid: str, session: SessionDep, services: ServicesDep, caller: AdminCaller
) -> AffectedOut:
    key = services.keys.get(session, caller.org_id, kid)
    uuids = (
        [c.uuid for c in services.keys.needing_reissue(session, key)]
        if key.status == KeyStatus.REVOKED
        else []
    )
    return AffectedOut(kid=kid, credentials=uuids)


@router.post(
    "/{kid}/reissue",
    response_model=ReissuedOut,
    summary="Re-issue every credential a revoked key signed, with the active key",
)
def reissue_all(
    kid: str, session: SessionDep, services: ServicesDep, caller: AdminCaller
) -> ReissuedOut:
    key = services.keys.get(session, caller.org_id, kid)
    done: dict[str, str] = {}
    if key.status == KeyStatus.REVOKED:
        for record in services.keys.needing_reissue(session, key):
            done[record.uuid] = services.reissuer.reissue(session, record, caller.client_id).uuid
    return ReissuedOut(kid=kid, reissued=done)
