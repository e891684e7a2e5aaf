"""The learner's "add to wallet" page (a one-time offer link) and credential downloads."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from app.container import Services
from app.credentials.visibility import public_credential
from app.db import as_utc
from app.deps import OptionalLearner, ServicesDep, SessionDep
from app.errors import NotFound
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_or_none
from app.models import IssuedCredential
from app.models.enums import OfferState
from app.wallet import offers
from app.wallet.links import wallet_links
from app.web.certificate import certificate_view
from app.web.context import WebContext, WebDep
from app.web.i18n import N_, format_date, format_time
from app.web.i18n import gettext as _
from app.web.viewer import private_if_hidden, viewer_account

#: Where to get the Learner Credential Wallet (Digital Credentials Consortium).
LCW_APP_STORES = {
    "ios": "https://apps.apple.com/app/learner-credential-wallet/id1590615710",
    "android": "https://play.google.com/store/apps/details?id=app.lcw",
}

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
    try:
        facts = services.wallet.offer_page(session, offer, uuid)
    except NotFound:
        return _unknown_link(session, services, web, uuid)
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
        expires=f"{format_date(expires)}, {format_time(expires)} UTC",
        links=_page_links(facts.opened) if facts.state == OfferState.PENDING else {},
        downloads=_downloads(credential, copy),
        copy=copy,
        certificate_url=f"../{credential.uuid}",
        app_stores=LCW_APP_STORES,
    )
    return HTMLResponse(html, headers=PRIVATE_HEADERS)


def _unknown_link(session: Session, services: Services, web: WebContext, uuid: str) -> HTMLResponse:
    """A link that was used and cleared, expired and cleared, or mistyped: a page that says
    so and leads back to the certificate (when it is public), with status 404."""
    try:
        credential = public_credential(session, uuid)
    except NotFound:
        credential = None
    org = organization_or_none(session, credential.org_id) if credential else None
    html = web.render(
        ["wallet/add.html"],
        theme=web.themes.for_org(org.slug if org else None),
        root="../../",
        view=certificate_view(json.loads(credential.document)) if credential else None,
        org=org,
        state="unknown",
        problem=None,
        offer=None,
        expires="",
        links={},
        downloads=_downloads(credential, None) if credential else [],
        copy=None,
        certificate_url=f"../{credential.uuid}" if credential else None,
        app_stores=LCW_APP_STORES,
    )
    return HTMLResponse(html, status_code=404, headers=PRIVATE_HEADERS)


#: The QR codes' accessible names, in the reader's language (app/wallet/links.py names them
#: in English for API clients).
_QR_LABELS = {
    "lcw_qr_svg": N_("QR code for the phone's camera (Learner Credential Wallet)"),
    "lcw_scan_qr_svg": N_("QR code for the scanner inside the Learner Credential Wallet"),
    "openid_credential_offer_qr_svg": N_("QR code for an OpenID4VCI wallet"),
}
_ARIA_LABEL = re.compile(r'aria-label="[^"]*"')


def _page_links(opened: offers.OpenOffer) -> dict[str, object]:
    links: dict[str, object] = dict(wallet_links(opened))
    for name, label in _QR_LABELS.items():
        if name in links:
            named = f'aria-label="{escape(_(label))}"'
            svg = _ARIA_LABEL.sub(named.replace("\\", "\\\\"), str(links[name]), count=1)
            links[name] = Markup(svg)  # segno's SVG: no user data in it
    return links


def _downloads(credential: IssuedCredential, copy: IssuedCredential | None) -> list[dict[str, str]]:
    """Relative to /credentials/{uuid}/wallet: prefix-proof like the share page's links."""
    items = []
    for label, record in ((N_("Your wallet copy"), copy), (N_("Certificate"), credential)):
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
