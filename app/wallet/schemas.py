"""API models of the LMS-facing wallet offer endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.wallet.offers import (
    JWT_VC_CONFIG,
    LDP_VC_CONFIG,
    MAX_OFFER_TTL,
    MIN_OFFER_TTL,
    OfferOptions,
)


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_did: str | None = Field(
        default=None,
        max_length=500,
        description="Only a wallet proving control of this DID may claim (e.g. the DID the "
        "learner registered with the LMS)",
    )
    expires_in: int | None = Field(
        default=None,
        ge=int(MIN_OFFER_TTL.total_seconds()),
        le=int(MAX_OFFER_TTL.total_seconds()),  # also keeps timedelta() from overflowing
        description="Lifetime in seconds (default 86400; 300 to 2592000)",
    )
    tx_code: bool = Field(
        default=False,
        description="Require a 6-digit transaction code (OID4VCI only): it is returned once, "
        "for the LMS to send the learner by another channel",
    )
    legacy_proof: bool = Field(
        default=True,
        description="The copy claimed with the Learner Credential Wallet (LCW link or VC-API "
        "exchange) also carries an Ed25519Signature2020 proof, as a proof set with its "
        "eddsa-rdfc-2022 one: LCW 2.1.x verifies only that suite. OpenID4VCI copies never do",
    )
    credential_configuration_ids: (
        list[Literal["OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json"]] | None
    ) = Field(
        default=None,
        min_length=1,
        description="The OpenID4VCI configurations the offer lists (default: the ldp_vc one "
        "only; common wallets cannot choose between two)",
    )

    def options(self) -> OfferOptions:
        chosen: list[str] = list(self.credential_configuration_ids or ()) or [LDP_VC_CONFIG]
        return OfferOptions(
            legacy_proof=self.legacy_proof,
            configurations=tuple(c for c in (LDP_VC_CONFIG, JWT_VC_CONFIG) if c in chosen),
        )


class OfferLinks(BaseModel):
    page: str = Field(description="The learner's 'Add to wallet' page (QR codes, deep links)")
    lcw: str | None = Field(
        default=None,
        description="Learner Credential Wallet web link (https://lcw.app/request.html): for "
        "the phone's camera; LCW's in-app scanner does not accept it",
    )
    dccrequest: str | None = Field(
        default=None,
        description="The same request, dccrequest:// app scheme: for LCW's in-app scanner and "
        "for links tapped on the phone",
    )
    org_dcconsortium: str | None = Field(
        default=None, description="The same, org.dcconsortium:// app scheme (in-app scanner)"
    )
    lcw_universal: str | None = Field(
        default=None,
        description="The same, universal link https://lcw.app/mobile/request: opens the app "
        "when installed; the in-app scanner accepts it too",
    )
    lcw_vcapi: str | None = Field(default=None, description="LCW link to the VC-API exchange")
    vc_request_url: str | None = None
    exchange_url: str | None = None
    openid_credential_offer: str = Field(description="openid-credential-offer:// link")
    credential_offer_uri: str


class OfferOut(BaseModel):
    id: str
    credential: str = Field(description="uuid of the awarded credential")
    state: str = Field(description="pending | used | expired | withdrawn")
    created_at: datetime
    expires_at: datetime
    holder_did: str | None = Field(
        default=None, description="Pinned DID while pending; the claiming DID once used"
    )
    tx_code_required: bool
    used_at: datetime | None = None
    protocol: str | None = None
    issued_credential_url: str | None = Field(
        default=None, description="The wallet copy, once claimed"
    )


class OfferCreated(OfferOut):
    tx_code: str | None = Field(
        default=None, description="Shown once: send it to the learner by another channel"
    )
    links: OfferLinks


class OfferList(BaseModel):
    items: list[OfferOut]
