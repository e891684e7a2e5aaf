"""The public credential URL: one URL for people (the certificate page) and machines (the
signed JSON-LD, byte for byte, or a VC-JWT form of it), by content negotiation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from app.core.proofs import jose
from app.credentials.visibility import public_credential
from app.deps import OptionalLearner, ServicesDep, SessionDep
from app.errors import NotAcceptable
from app.http import media
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_or_none
from app.web import share
from app.web.viewer import private_if_hidden, viewer_account

router = APIRouter(tags=["vc-api"], route_class=GuardedRoute)


_CREDENTIAL_TYPES = [
    media.VC_LD_JSON,
    media.LD_JSON,
    media.VC,
    media.JSON,
    media.HTML,
    media.VC_JWT,
    media.JWT,
    media.TEXT,
]


@router.get(
    "/credentials/{uuid}",
    summary="The signed credential: byte-identical JSON-LD, a VC-JWT form, or the HTML page",
    description="Content negotiation on one URL: application/vc+ld+json (also ld+json, vc, "
    "json; the default) returns the stored bytes; application/vc+jwt a VC-JOSE-COSE token and "
    "application/jwt or text/plain an OB 3.0 VC-JWT of the same credential (?alg=RS256|ES256|"
    "EdDSA); text/html the certificate page.",
    responses={
        200: {
            "content": {
                media.VC_LD_JSON: {},
                media.HTML: {},
                media.VC_JWT: {},
                media.JWT: {},
            }
        }
    },
)
def get_credential(
    uuid: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    learner: OptionalLearner,
    accept: Annotated[str | None, Header()] = None,
    alg: Annotated[Literal["RS256", "ES256", "EdDSA"] | None, Query()] = None,
) -> Response:
    record = public_credential(session, uuid, viewer_account(learner))
    chosen = media.preferred(accept, _CREDENTIAL_TYPES)
    if chosen is None:
        raise NotAcceptable(f"this resource is available as {', '.join(_CREDENTIAL_TYPES)}")
    if chosen == media.HTML:  # a browser: the certificate page (app/web/share.py)
        return private_if_hidden(session, record, share.credential_page(request, session, record))
    headers = {"Cache-Control": "public, max-age=60", "Vary": "Accept"}
    if chosen in (media.VC_JWT, media.JWT, media.TEXT):
        org = organization_or_none(session, record.org_id)
        alg = alg or ("EdDSA" if org is not None and org.did_method == "key" else "RS256")
        profile = jose.VC_JOSE_PROFILE if chosen == media.VC_JWT else jose.OB_PROFILE
        token = services.jwt.encode(session, record, profile, alg)
        return private_if_hidden(
            session, record, Response(token, media_type=chosen, headers=headers)
        )
    return private_if_hidden(
        session, record, Response(record.document, media_type=chosen, headers=headers)
    )
