"""The learner's "add to wallet" page (a one-time offer link) and credential downloads."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.credentials.visibility import public_credential
from app.db import as_utc
from app.deps import OptionalLearner, ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.models import IssuedCredential
from app.models.enums import OfferState
from app.wallet import offers
from app.wallet.links import wallet_links
from app.web.certificate import certificate_view, human_date
from app.web.context import WebDep
from app.web.viewer import private_if_hidden, viewer_account

router = APIRouter(tags=["wallet"], route_class=GuardedRoute)

#: The page URL carries the offer token: keep it out of caches, indexes and Referer headers.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


@router.get("/credentials/{uuid}/wallet", response_class=HTMLResponse, include_in_schema=False)
def add_to_wallet_page(
    uuid: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebDep,
    offer: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    facts = services.wallet.offer_page(session, offer, uuid)
    record, credential, copy, org = facts.offer, facts.credential, facts.copy, facts.org
    view = certificate_view(json.loads(credential.document))
    expires = as_utc(record.expires_at)
    html = web.render(
        ["wallet/add.html"],
        theme=web.themes.for_org(org.slug if org else None),
        root="../../",
        view=view,
        org=org,
        state=facts.state,
        problem=facts.problem,
        offer=record,
        expires=f"{human_date(expires.date())}, {expires:%H:%M} UTC",
        links=_page_links(facts.opened) if facts.state == OfferState.PENDING else {},
        downloads=_downloads(credential, copy),
        copy=copy,
        human_date=human_date,
    )
    return HTMLResponse(html, headers=PRIVATE_HEADERS)


def _page_links(opened: offers.OpenOffer) -> dict[str, object]:
    links: dict[str, object] = dict(wallet_links(opened))
    for name in ("lcw_qr_svg", "lcw_scan_qr_svg", "openid_credential_offer_qr_svg"):
        if name in links:
            links[name] = Markup(links[name])  # segno's SVG: no user data in it
    return links


def _downloads(credential: IssuedCredential, copy: IssuedCredential | None) -> list[dict[str, str]]:
    """Relative to /credentials/{uuid}/wallet: prefix-proof like the share page's links."""
    items = []
    for label, record in (("Your wallet copy", copy), ("Certificate", credential)):
        if record is None:
            continue
        base = f"../{record.uuid}/download"
        items.append(
            {
                "label": label,
                "json": f"{base}?format=json",
                "jwt": f"{base}?format=jwt",
                "badge_png": f"../{record.uuid}/badge.png",
                "badge_svg": f"../{record.uuid}/badge.svg",
            }
        )
    return items


# -- downloads ------------------------------------------------------------------------------


def _filename(record: IssuedCredential, extension: str) -> str:
    name = certificate_view(json.loads(record.document)).title
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "credential"
    return f"{slug}-{record.uuid[:8]}.{extension}"


@router.get(
    "/credentials/{uuid}/download",
    summary="Download the signed credential as a file (JSON-LD or VC-JWT)",
    responses={200: {"content": {"application/vc+ld+json": {}, "text/plain": {}}}},
)
def download_credential(
    uuid: str,
    session: SessionDep,
    services: ServicesDep,
    learner: OptionalLearner,
    format: Annotated[Literal["json", "jwt"], Query()] = "json",
) -> Response:
    record = public_credential(session, uuid, viewer_account(learner))
    if format == "jwt":
        body, media, extension = services.wallet.jwt_form(session, record), "text/plain", "jwt"
    else:
        body, media, extension = record.document, "application/vc+ld+json", "json"
    response = Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(record, extension)}"',
            "Cache-Control": "public, max-age=60",
        },
    )
    return private_if_hidden(session, record, response)
