"""The learner record page: /records/{share-id} (a revoked or unknown link is 404), and the
same record as JSON: /records/{share-id}/record.json.

The same URL answers a machine with the record as a signed CLR 2.0 credential when it asks
for JSON-LD (``Accept: application/vc+ld+json`` or ``application/ld+json``), as the public
credential URL does (DESIGN.md); ``/records/{share-id}/clr.json`` downloads it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.http.media import HTML, JSON, LD_JSON, VC_LD_JSON, preferred
from app.sharing.service import EarnedCredential, LearnerRecord
from app.web.certificate import TYPE_WORDS, certificate_view
from app.web.context import WebDep
from app.web.i18n import gettext as _

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


def _image(item: EarnedCredential) -> str:
    """The achievement's own image when the credential names one, else its badge image."""
    image = certificate_view(json.loads(item.document)).achievement_image if item.document else None
    return image or f"../credentials/{item.uuid}/badge.png"


def kind_label(item: EarnedCredential) -> str:
    """What the credential is, as its certificate page calls it: a program certificate, a
    course certificate, or the word for its achievementType (a Badge is not a certificate)."""
    if item.kind == "program":
        return _("Program certificate")
    kind = certificate_view(json.loads(item.document)).achievement_type if item.document else None
    if kind in TYPE_WORDS and kind not in ("Course", "Achievement"):
        return _(TYPE_WORDS[kind])
    return _("Course certificate")


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
    html = web.render(
        ["records/record.html"],
        theme=web.themes.for_org(org.slug),
        root="../",
        record=record,
        images={item.uuid: _image(item) for item in record.credentials},
        kinds={item.uuid: kind_label(item) for item in record.credentials},
        json_url=f"./{share_id}/record.json",
        page_url=f"{services.identity.base_url}/records/{share_id}",
    )
    # Private to the learner's audience: no shared caches, no search engines.
    return HTMLResponse(html, headers=PRIVATE)


@router.get("/records/{share_id}/clr.json")
def record_clr_download(share_id: str, session: SessionDep, services: ServicesDep) -> Response:
    return _clr_response(share_id, session, services, download=True)


def record_json(record: LearnerRecord, page_url: str) -> dict[str, Any]:
    """The record as data: who, from whom, each credential with its status and its signed
    document (verifiable on its own), and program progress."""
    return {
        "type": "LearnerRecord",
        "url": page_url,
        "learner": {"name": record.learner_name},
        "organization": {"name": record.org.name, "slug": record.org.slug},
        "credentials": [
            {
                "title": item.title,
                "kind": item.kind,
                "status": item.status,
                "awardedAt": item.awarded_at.isoformat(),
                "detail": item.detail,
                "url": item.url,
                "credential": json.loads(item.document) if item.document else None,
            }
            for item in record.credentials
        ],
        "programs": [
            {
                "title": program.title,
                "programType": program.program_type,
                "earned": program.earned,
                "needed": program.needed,
                "complete": program.complete,
                "url": program.credential_url,
                "courses": [
                    {"title": c.title, "earned": c.earned, "url": c.url} for c in program.courses
                ],
            }
            for program in record.programs
        ],
    }


@router.get("/records/{share_id}/record.json")
def record_download(share_id: str, session: SessionDep, services: ServicesDep) -> Response:
    records = services.sharing
    learner, org = records.open_share(session, share_id)
    record = records.record(session, org, learner)
    page_url = f"{services.identity.base_url}/records/{share_id}"
    body = json.dumps(record_json(record, page_url), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="learner-record.json"'},
    )
