"""Wallet offers for the LMS, the learner's "Add to wallet" page, and credential downloads.

- ``POST /api/v1/credentials/{uuid}/offers``: a one-time claim offer with its deep links
  (scope ``wallet:offers`` or ``credentials:issue``); list and withdraw them too.
- ``GET /credentials/{uuid}/wallet?offer=<token>``: the page the LMS links the learner to,
  with QR codes and deep links for the Learner Credential Wallet and OpenID4VCI wallets. The
  token is the capability: the page is private (no-store, noindex, no referrer).
- ``GET /credentials/{uuid}/download?format=json|jwt``: the signed credential as a file, as
  stored (JSON-LD with its Data Integrity proof) or as its OB 3.0 VC-JWT.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from app.credentials import repository as credentials
from app.db import as_utc, utcnow
from app.deps import ClientDep, ServicesDep, SessionDep
from app.errors import AppError, Forbidden, NotFound
from app.issuers import repository as orgs
from app.issuers import scopes
from app.issuers.clients import Caller
from app.models import IssuedCredential, Organization, WalletOffer
from app.wallet import offers
from app.wallet.links import wallet_links
from app.wallet.schemas import OfferCreate, OfferCreated, OfferLinks, OfferList, OfferOut
from app.wallet.service import WalletService
from app.web.certificate import certificate_view, human_date
from app.web.context import WebDep
from app.web.share import is_public

router = APIRouter(tags=["wallet"])

#: The page URL carries the offer token: keep it out of caches, indexes and Referer headers.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


def offer_caller(caller: ClientDep) -> Caller:
    if not caller.scopes & {scopes.WALLET_OFFERS, scopes.ISSUE}:
        raise Forbidden(
            f'the access token lacks the scope "{scopes.WALLET_OFFERS}"', scope=scopes.WALLET_OFFERS
        )
    return caller


OfferCaller = Annotated[Caller, Depends(offer_caller)]


def _org(session: Session, caller: Caller) -> Organization:
    org = orgs.by_id(session, caller.org_id)
    if org is None:
        raise NotFound("the caller's organization no longer exists")
    return org


def _out(wallet: WalletService, offer: WalletOffer) -> OfferOut:
    state = offers.state_of(offer, utcnow())
    return OfferOut(
        id=offer.id,
        credential=offer.credential_uuid,
        state=state,
        created_at=as_utc(offer.created_at),
        expires_at=as_utc(offer.expires_at),
        holder_did=offer.holder_did or offer.expected_did,
        tx_code_required=offer.tx_code_hash is not None,
        used_at=as_utc(offer.used_at) if offer.used_at else None,
        protocol=offer.protocol,
        issued_credential_url=(
            wallet.identity.credential_url(offer.issued_uuid) if offer.issued_uuid else None
        ),
    )


@router.post(
    "/api/v1/credentials/{uuid}/offers",
    status_code=201,
    response_model=OfferCreated,
    summary="Make a one-time offer to add the credential to the learner's wallet",
)
def create_offer(
    uuid: str,
    session: SessionDep,
    services: ServicesDep,
    caller: OfferCaller,
    body: OfferCreate | None = None,
) -> Response:
    body = body or OfferCreate()
    ttl = timedelta(seconds=body.expires_in) if body.expires_in else offers.OFFER_TTL
    opened, code = services.wallet.create_offer(
        session,
        _org(session, caller),
        uuid,
        expected_did=body.holder_did,
        tx_code=body.tx_code,
        ttl=ttl,
        client_id=caller.client_id,
    )
    links = wallet_links(opened, qr=False)
    out = OfferCreated(
        **_out(services.wallet, opened.record).model_dump(),
        tx_code=code,
        links=OfferLinks(**links),
    )
    return Response(
        out.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": opened.page_url, "Cache-Control": "no-store"},
    )


@router.get(
    "/api/v1/credentials/{uuid}/offers",
    response_model=OfferList,
    summary="The wallet offers made for a credential",
)
def list_offers(
    uuid: str, session: SessionDep, services: ServicesDep, caller: OfferCaller
) -> OfferList:
    found = services.wallet.offers_for(session, _org(session, caller), uuid)
    return OfferList(items=[_out(services.wallet, o) for o in found])


@router.delete(
    "/api/v1/credentials/{uuid}/offers/{offer_id}",
    status_code=204,
    summary="Withdraw a wallet offer that was not used yet (idempotent)",
)
def withdraw_offer(
    uuid: str, offer_id: str, session: SessionDep, services: ServicesDep, caller: OfferCaller
) -> Response:
    services.wallet.withdraw(session, _org(session, caller), uuid, offer_id)
    return Response(status_code=204)


# -- the learner's page -------------------------------------------------------------------


@router.get("/credentials/{uuid}/wallet", response_class=HTMLResponse, include_in_schema=False)
def add_to_wallet_page(
    uuid: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebDep,
    offer: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    wallet = services.wallet
    opened = wallet.open(session, offer)
    record = opened.record
    if uuid.lower() not in (record.credential_uuid, record.source_uuid, record.issued_uuid):
        raise NotFound("no wallet offer for this link", field="offer")
    credential = credentials.by_uuid(session, record.credential_uuid)
    assert credential is not None
    org = orgs.by_id(session, record.org_id)
    state = offers.state_of(record, utcnow())
    problem = None
    if state == offers.PENDING:
        try:
            wallet.current_award(session, credential)
        except AppError as exc:
            state, problem = "unavailable", exc.detail
    view = certificate_view(json.loads(credential.document))
    copy = wallet.delivered(session, record)
    expires = as_utc(record.expires_at)
    html = web.render(
        ["wallet/add.html"],
        theme=web.themes.for_org(org.slug if org else None),
        root="../../",
        view=view,
        org=org,
        state=state,
        problem=problem,
        offer=record,
        expires=f"{human_date(expires.date())}, {expires:%H:%M} UTC",
        links=_page_links(opened) if state == offers.PENDING else {},
        downloads=_downloads(credential, copy),
        copy=copy,
        human_date=human_date,
    )
    return HTMLResponse(html, headers=PRIVATE_HEADERS)


def _page_links(opened: offers.OpenOffer) -> dict[str, object]:
    links: dict[str, object] = dict(wallet_links(opened))
    for name in ("lcw_qr_svg", "openid_credential_offer_qr_svg"):
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
        items.append({"label": label, "json": f"{base}?format=json", "jwt": f"{base}?format=jwt"})
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
    format: Annotated[Literal["json", "jwt"], Query()] = "json",
) -> Response:
    record = credentials.by_uuid(session, uuid.lower())
    if record is None or not is_public(record):
        raise NotFound(f'no credential "{uuid}"', field="uuid")
    if format == "jwt":
        body, media, extension = services.wallet.jwt_form(session, record), "text/plain", "jwt"
    else:
        body, media, extension = record.document, "application/vc+ld+json", "json"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(record, extension)}"',
            "Cache-Control": "public, max-age=60",
        },
    )
