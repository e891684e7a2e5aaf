"""Claim offers: the secret token, its hash, the transaction code, and an offer's state.

The token (256 random bits, url-safe) is the capability handed to the learner; it is the VC-API
exchange id and the OID4VCI pre-authorized code, and only its SHA-256 is stored. The challenge
the LCW link carries is not secret: it only stops a presentation made for another exchange (or
an earlier one) from being replayed here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.db import as_utc
from app.models import WalletOffer
from app.models.enums import OfferState

#: Default lifetime of an offer (the issue: 24 h), and the bounds the LMS may choose from.
OFFER_TTL = timedelta(hours=24)
MIN_OFFER_TTL = timedelta(minutes=5)
MAX_OFFER_TTL = timedelta(days=30)
#: OID4VCI access tokens and c_nonces are short-lived.
ACCESS_TOKEN_TTL = timedelta(minutes=10)
NONCE_TTL = timedelta(minutes=5)
#: Transaction codes: 6 digits, at most this many token requests may try one.
TX_CODE_LENGTH = 6
MAX_TX_CODE_ATTEMPTS = 5


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 (hex) of a high-entropy secret: the only form stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_tx_code() -> str:
    return f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"


def tx_code_digest(offer_id: str, code: str) -> str:
    """Salted with the offer id: the same code in two offers does not hash alike."""
    return hashlib.sha256(f"{offer_id}:{code}".encode()).hexdigest()


def tx_code_matches(offer: WalletOffer, code: str) -> bool:
    if offer.tx_code_hash is None:
        return False
    return hmac.compare_digest(offer.tx_code_hash, tx_code_digest(offer.id, code))


def state_of(offer: WalletOffer, now: datetime) -> OfferState:
    if offer.used_at is not None:
        return OfferState.USED
    if offer.revoked_at is not None:
        return OfferState.WITHDRAWN
    if as_utc(offer.expires_at) <= now:
        return OfferState.EXPIRED
    return OfferState.PENDING


@dataclass(frozen=True)
class OpenOffer:
    """An offer together with its secret token: what links and pages are built from.

    The token exists in clear only here: at creation (for the LMS) and when a holder of the
    link opens it (the page, the exchange, the OID4VCI offer URI).
    """

    record: WalletOffer
    token: str
    base_url: str

    @property
    def exchange_url(self) -> str:
        return f"{self.base_url}/exchanges/{self.token}"

    @property
    def vc_request_url(self) -> str:
        """Where the LCW posts its DID-auth presentation: the exchange's one transaction."""
        return f"{self.exchange_url}/{self.record.challenge}"

    @property
    def credential_offer_uri(self) -> str:
        return f"{self.base_url}/oid4vci/offers/{self.token}"

    @property
    def page_url(self) -> str:
        return (
            f"{self.base_url}/credentials/{self.record.credential_uuid}/wallet?offer={self.token}"
        )
