"""Claim offers: the secret token, its hash, the transaction code, and an offer's state.

The token (256 random bits, url-safe) is the capability handed to the learner; it is the VC-API
exchange id and the OID4VCI pre-authorized code, and only its SHA-256 is stored. The challenge
the LCW link carries is not secret: it only stops a presentation made for another exchange (or
an earlier one) from being replayed here.

The offer's options (``OfferOptions``) that differ from the defaults ride in the token itself,
as a suffix after a dot: the stored hash covers the whole token, so they cannot be changed
without making the token unknown, and they need no column of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
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

#: OID4VCI credential configurations (app/wallet/oid4vci.py), and their one-letter codes.
LDP_VC_CONFIG = "OpenBadgeCredential_ldp_vc"
JWT_VC_CONFIG = "OpenBadgeCredential_jwt_vc_json"
_CONFIG_CODES = {LDP_VC_CONFIG: "l", JWT_VC_CONFIG: "j"}
_NO_LEGACY = "x"


@dataclass(frozen=True)
class OfferOptions:
    """What the LMS chose for one offer.

    - ``legacy_proof``: the wallet copy claimed through the LCW or VC-API exchange carries an
      ``Ed25519Signature2020`` proof besides its ``eddsa-rdfc-2022`` one (a proof set): the
      Learner Credential Wallet 2.1.x verifies only that suite. OpenID4VCI copies never do.
    - ``configurations``: the OID4VCI credential configurations the offer lists. One by
      default: Sphereon's ``OpenID4VCIClient`` cannot choose between two.
    """

    legacy_proof: bool = True
    configurations: tuple[str, ...] = field(default=(LDP_VC_CONFIG,))

    def suffix(self) -> str:
        if self == OfferOptions():
            return ""
        codes = "".join(_CONFIG_CODES[c] for c in self.configurations)
        return "." + codes + ("" if self.legacy_proof else _NO_LEGACY)

    @classmethod
    def of_token(cls, token: str) -> OfferOptions:
        """The options a token carries (the defaults when it has no suffix)."""
        _, dot, codes = token.rpartition(".")
        if not dot:
            return cls()
        configurations = tuple(c for c, code in _CONFIG_CODES.items() if code in codes)
        return cls(
            legacy_proof=_NO_LEGACY not in codes,
            configurations=configurations or (LDP_VC_CONFIG,),
        )


def new_token(options: OfferOptions | None = None) -> str:
    """256 random bits, url-safe, and the options' suffix (token_urlsafe never has a dot)."""
    return secrets.token_urlsafe(32) + (options or OfferOptions()).suffix()


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
    def options(self) -> OfferOptions:
        return OfferOptions.of_token(self.token)

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
