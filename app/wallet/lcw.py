"""The Learner Credential Wallet request flow and the VC-API exchange it is built on.

What the Learner Credential Wallet (digitalcredentials/learner-credential-wallet) does with a
``https://lcw.app/request.html?issuer=...&auth_type=bearer&challenge=...&vc_request_url=...``
link (``dccrequest://request?...`` is the same link for the app itself):

- ``auth_type`` must be ``bearer``; the default (``code``) makes it run OAuth against an
  issuer registry first. With ``bearer`` it sends no Authorization header at all.
- It POSTs the *bare* DID-authentication presentation to ``vc_request_url`` (not wrapped in
  ``{"verifiablePresentation": ...}``): ``vc.signPresentation`` with an Ed25519Signature2020
  suite, ``holder`` = its did:key, ``proofPurpose`` ``authentication``, the link's
  ``challenge`` and no ``domain``.
- It reads the answer as a bare credential (its ``type`` includes ``VerifiableCredential``) or
  a presentation whose ``verifiableCredential`` holds it. Anything else, such as
  ``{"verifiableCredential": ...}``, makes it show the learner an error. So the direct flow
  answers with the bare signed credential, byte for byte as stored.

The VC-API exchange (VCALM "Participate in an exchange"): ``POST /exchanges/{id}`` with ``{}``
answers ``{"verifiablePresentationRequest": ...}`` asking for ``DIDAuthentication``, with the
challenge and ``interact.service`` naming the transaction URL; the wallet then posts
``{"verifiablePresentation": ...}`` and gets ``{"verifiablePresentation": ...}`` back with the
credential in it (LCW's ``handleVcApiExchangeComplete`` does exactly this).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.core.did.errors import DIDResolutionError
from app.core.did.resolution import resolve_verification_method
from app.core.jsonld import JsonLdError
from app.core.proofs.data_integrity import (
    DataIntegrityEngine,
    KeyResolutionError,
    ProofCheck,
)
from app.core.vocabulary import VC_V1, VC_V2
from app.errors import Forbidden, NotFound
from app.models import IssuedCredential
from app.wallet.errors import PresentationRejected
from app.wallet.offers import OpenOffer
from app.wallet.service import WalletService

VP_TYPE = "VerifiablePresentation"
#: Holder DID methods resolved without the network (a holder key must not make us fetch).
HOLDER_METHODS = ("key", "jwk")
ACCEPTED_CRYPTOSUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _resolve_holder_key(verification_method: str, _purpose: str) -> Any:
    """did:key / did:jwk verification methods listed under ``authentication`` (CID §3.3)."""
    method = verification_method.split(":", 2)[1] if verification_method.count(":") >= 2 else ""
    if not verification_method.startswith("did:") or method not in HOLDER_METHODS:
        raise KeyResolutionError(
            f"holder keys must be did:key or did:jwk verification methods, not "
            f'"{verification_method}"'
        )
    try:
        return resolve_verification_method(verification_method, purpose="authentication").public_key
    except DIDResolutionError as exc:
        raise KeyResolutionError(str(exc)) from None


def _holder_of(presentation: Mapping[str, Any]) -> str | None:
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _reject(check: ProofCheck) -> PresentationRejected:
    return PresentationRejected(
        f"the presentation's proof is not valid: {check.message}",
        field="proof",
        proof_error=check.code,
    )


def verify_did_auth(
    engine: DataIntegrityEngine,
    presentation: Any,
    *,
    challenge: str,
    domain: str,
) -> str:
    """The holder DID a DID-authentication presentation proves control of, or a rejection.

    Every proof must verify (VC-DI §4.3) with ``proofPurpose`` ``authentication`` and the
    exchange's ``challenge``; a proof that carries a ``domain`` must name ours. All proofs must
    be by keys of one DID, and ``holder`` (when present) must be that DID.
    """
    if not isinstance(presentation, Mapping):
        raise PresentationRejected(
            "the body must be a Verifiable Presentation (a JSON object)", field="body"
        )
    if VP_TYPE not in _as_list(presentation.get("type")):
        raise PresentationRejected(f'"type" must include "{VP_TYPE}"', field="type")
    proofs = _as_list(presentation.get("proof"))
    if not proofs:
        raise PresentationRejected(
            'the presentation has no "proof": sign it with proofPurpose "authentication" and '
            "the exchange's challenge",
            field="proof",
        )
    with_domain = any(isinstance(p, Mapping) and "domain" in p for p in proofs)
    try:
        checks = engine.verify(
            presentation,
            _resolve_holder_key,
            expected_proof_purpose="authentication",
            challenge=challenge,
            domain=domain if with_domain else None,
        )
    except JsonLdError as exc:
        raise PresentationRejected(
            f"the presentation could not be processed as JSON-LD: {exc}", field="@context"
        ) from None
    for check in checks:
        if not check.verified:
            raise _reject(check)
    controllers = {(c.verification_method or "").partition("#")[0] for c in checks}
    if len(controllers) != 1:
        raise PresentationRejected(
            "the proofs are by keys of different DIDs: prove control of one DID",
            field="proof",
        )
    did = controllers.pop()
    holder = _holder_of(presentation)
    if holder is not None and holder != did:
        raise PresentationRejected(
            f'"holder" is "{holder}", but the proof is by a key of "{did}"',
            field="holder",
            proof_error="PROOF_VERIFICATION_ERROR",
        )
    return did


def presentation_request(offer: OpenOffer) -> dict[str, Any]:
    """A Verifiable Presentation Request (W3C CCG VPR) for DID authentication."""
    methods = [{"method": m} for m in HOLDER_METHODS]
    return {
        "query": [
            {
                "type": "DIDAuthentication",
                "acceptedMethods": methods,
                "acceptedCryptosuites": [{"cryptosuite": s} for s in ACCEPTED_CRYPTOSUITES],
            }
        ],
        "challenge": offer.record.challenge,
        "domain": offer.base_url,
        "interact": {
            "service": [
                {
                    "type": "UnmediatedPresentationService2021",
                    "serviceEndpoint": offer.vc_request_url,
                }
            ]
        },
    }


def wrap(record: IssuedCredential) -> dict[str, Any]:
    """The VC-API answer: a presentation holding the credential (same base context)."""
    credential = json.loads(record.document)
    contexts = _as_list(credential.get("@context"))
    base = VC_V1 if contexts[:1] == [VC_V1] else VC_V2
    return {
        "verifiablePresentation": {
            "@context": [base],
            "type": [VP_TYPE],
            "verifiableCredential": [credential],
        }
    }


class Exchanges:
    """The exchange of one offer: ask for DID authentication, then issue the bound copy."""

    def __init__(self, wallet: WalletService) -> None:
        self.wallet = wallet

    def _open(self, session: Session, exchange_id: str) -> OpenOffer:
        offer = self.wallet.open(session, exchange_id)
        self.wallet.check_claimable(offer.record)
        if offer.record.tx_code_hash is not None:
            raise Forbidden(
                "this offer requires a transaction code: claim it with an OpenID4VCI wallet",
                field="offer",
            )
        return offer

    def participate(
        self, session: Session, exchange_id: str, body: Any
    ) -> tuple[dict[str, Any] | None, IssuedCredential | None]:
        """``POST /exchanges/{id}``: a VPR, or (given a presentation) the credential."""
        offer = self._open(session, exchange_id)
        if isinstance(body, Mapping) and "verifiablePresentation" in body:
            return None, self._claim(session, offer, body["verifiablePresentation"], "vc-api")
        return {"verifiablePresentationRequest": presentation_request(offer)}, None

    def submit(
        self, session: Session, exchange_id: str, transaction_id: str, body: Any
    ) -> tuple[IssuedCredential, bool]:
        """``POST /exchanges/{id}/{transaction}``: a bare presentation (LCW) or a wrapped one
        (VC-API). Returns the credential and whether the request was wrapped."""
        offer = self._open(session, exchange_id)
        if transaction_id != offer.record.challenge:
            raise NotFound("no such transaction in this exchange", field="transaction")
        wrapped = isinstance(body, Mapping) and "verifiablePresentation" in body
        presentation = body["verifiablePresentation"] if wrapped else body
        record = self._claim(session, offer, presentation, "vc-api" if wrapped else "lcw")
        return record, wrapped

    def _claim(
        self, session: Session, offer: OpenOffer, presentation: Any, protocol: str
    ) -> IssuedCredential:
        holder = verify_did_auth(
            self.wallet.engine,
            presentation,
            challenge=offer.record.challenge,
            domain=offer.base_url,
        )
        # LCW 2.1.x verifies only Ed25519Signature2020: its copy gets that proof as well.
        return self.wallet.deliver(
            session, offer.record.id, holder, protocol, legacy_proof=offer.options.legacy_proof
        )
