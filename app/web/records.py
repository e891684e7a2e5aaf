"""The learner record page: /records/{share-id} (a revoked or unknown link is 404).

The same URL answers a machine with the record as a signed CLR 2.0 credential when it asks
for JSON-LD (``Accept: application/vc+ld+json`` or ``application/ld+json``), as the public
credential URL does (DESIGN.md); ``/records/{share-id}/clr.json`` downloads it.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.http.media import HTML, JSON, LD_JSON, VC_LD_JSON, preferred
from app.web.certificate import human_date
from app.web.context import WebDep

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "Vary": "Accept"}


def _clr_response(
    share_id: str, session: SessionDep, services: ServicesDep, *, download: bool
) -> Response:
    learner, _org = services.sharing.open_share(session, share_id)
    document = services.sharing.record_clr(session, learner)
    headers = dict(PRIVATE)
    if download:
        headers["Content-Disposition"] = 'attachment; filename="record-clr.json"'
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, media_type=VC_LD_JSON, headers=headers)


@router.get("/records/{share_id}", response_class=HTMLResponse)
def record_page(
    share_id: str, request: Request, session: SessionDep, services: ServicesDep, web: WebDep
) -> Response:
    wanted = preferred(request.headers.get("accept"), [HTML, VC_LD_JSON, LD_JSON, JSON])
    if wanted in (VC_LD_JSON, LD_JSON, JSON):
        return _clr_response(share_id, session, services, download=False)
    records = services.sharing
    learner, org = records.open_share(session, share_id)
    record = records.record(session, org, learner)
    theme = web.themes.for_org(org.slug)
    html = web.render(
        ["records/record.html"],
        theme=theme,
        root="../",
        record=record,
        human_date=human_date,
        page_url=f"{services.identity.base_url}/records/{share_id}",
    )
    # Private to the learner's audience: no shared caches, no search engines.
    return HTMLResponse(html, headers=PRIVATE)


@router.get("/records/{share_id}/clr.json")
def record_clr_download(share_id: str, session: SessionDep, services: ServicesDep) -> Response:
    return _clr_response(share_id, session, services, download=True)
