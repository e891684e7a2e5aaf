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

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import Session

from app.db import as_utc, utcnow
from app.deps import ClientDep, ServicesDep, SessionDep
from app.errors import Forbidden
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller
from app.issuers.organizations import organization
from app.models import Organization, WalletOffer
from app.wallet import offers
from app.wallet.links import wallet_links
from app.wallet.schemas import OfferCreate, OfferCreated, OfferLinks, OfferList, OfferOut
from app.wallet.service import WalletService

router = APIRouter(tags=["wallet"], route_class=GuardedRoute)

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
    return organization(session, caller.org_id)


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
    ttl = timedelta(seconds=body.expires_in) if body.expires_in is not None else offers.OFFER_TTL
    opened, code = services.wallet.create_offer(
        session,
        _org(session, caller),
        uuid,
        expected_did=body.holder_did,
        tx_code=body.tx_code,
        ttl=ttl,
        client_id=caller.client_id,
        options=body.options(),
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
