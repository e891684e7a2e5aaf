"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.

- Metadata (§12.2): ``/.well-known/openid-credential-issuer`` with two configurations of the
  OB 3.0 credential, ``ldp_vc`` (A.1.2: the credential is a JSON object) and ``jwt_vc_json``
  (A.1.1: a JWT string, here the OB 3.0 §8.2 VC-JWT). This service is its own authorization
  server (RFC 8414 metadata at ``/.well-known/oauth-authorization-server``).
- Offer (§4.1): ``openid-credential-offer://?credential_offer_uri=...``; the offer object has
  the pre-authorized code (the offer token) and, when the LMS asked for one, ``tx_code``.
- Token (§6): the code is exchanged once for a short-lived access token bound to the offer.
  Errors: ``invalid_request`` for a missing or unexpected ``tx_code``, ``invalid_grant`` for a
  wrong one or a wrong, used, expired or withdrawn code (§6.3).
- Nonce (§7): ``{"c_nonce"}``, no-store; nonces are signed, expire, and are stored only when
  used, so each works once (app/wallet/nonces.py).
- Credential (§8): a ``jwt`` key proof (F.1): ``typ`` ``openid4vci-proof+jwt``, the key in
  ``kid`` (did:key / did:jwk DID URL) or ``jwk``, ``aud`` = the credential issuer, a fresh
  ``iat`` and a ``nonce`` from the nonce endpoint. The holder DID (a ``jwk`` becomes its
  did:jwk) is ``credentialSubject.id`` of the copy issued.

Draft 13 wallets are served too: they send ``format`` (+ ``credential_definition``) and a
singular ``proof``, take ``c_nonce`` from the token response, and expect ``credential`` and a
fresh ``c_nonce`` in the credential response; their nonce errors are ``invalid_proof`` with a
new ``c_nonce``. The answer takes the shape of the request.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlmodel import Session

from app.core.did.did_jwk import did_jwk_from_jwk
from app.core.did.document import PRIVATE_JWK_MEMBERS, public_key_from_jwk
from app.core.did.errors import DIDResolutionError, KeyFormatError
from app.core.did.resolution import resolve_verification_method
from app.core.text_input import find_bad_string
from app.core.vocabulary import OB_V3P0, VC_V2
from app.db import as_utc, utcnow
from app.errors import AppError
from app.models import IssuedCredential, WalletOffer
from app.wallet import offers, repository
from app.wallet.errors import OAuthError, OfferGone
from app.wallet.offers import OpenOffer
from app.wallet.service import WalletService

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
CONFIGURATIONS = {offers.LDP_VC_CONFIG: LDP_VC, offers.JWT_VC_CONFIG: JWT_VC_JSON}
OB_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
OB_CONTEXTS = [
    VC_V2,
    OB_V3P0,
]
#: JWS algorithms accepted for key proofs, by key type (never "none", never HMAC).
PROOF_ALGS = ("EdDSA", "ES256", "ES384", "RS256", "PS256")
BINDING_METHODS = ["did:key", "did:jwk", "jwk"]
#: A key proof must be this fresh (its ``iat``), with this much clock skew allowed.
PROOF_MAX_AGE_SECONDS = 300
CLOCK_SKEW_SECONDS = 60


def _display(name: str, description: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "locale": "en",
            "description": description,
            "background_color": "#12355b",
            "text_color": "#ffffff",
        }
    ]


def issuer_metadata(base_url: str) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2.4); draft-13 wallets read ``display`` per config."""
    configurations: dict[str, Any] = {}
    for config_id, fmt in CONFIGURATIONS.items():
        definition: dict[str, Any] = {"type": OB_TYPES}
        if fmt == LDP_VC:
            definition = {"@context": OB_CONTEXTS, "type": OB_TYPES}
        display = _display(
            "Course certificate",
            "An Open Badges 3.0 credential"
            + (" (JSON-LD, Data Integrity proof)" if fmt == LDP_VC else " (VC-JWT)"),
        )
        configurations[config_id] = {
            "format": fmt,
            "scope": config_id,
            "credential_definition": definition,
            "cryptographic_binding_methods_supported": BINDING_METHODS,
            "credential_signing_alg_values_supported": (
                ["eddsa-rdfc-2022"] if fmt == LDP_VC else ["EdDSA", "RS256"]
            ),
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
            },
            "credential_metadata": {"display": display},
            "display": display,
        }
    return {
        "credential_issuer": base_url,
        "credential_endpoint": f"{base_url}/oid4vci/credential",
        "nonce_endpoint": f"{base_url}/oid4vci/nonce",
        # Not in 1.0: wallets of earlier drafts read the token endpoint from here.
        "token_endpoint": f"{base_url}/oid4vci/token",
        "display": [{"name": "Laurel", "locale": "en"}],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata with the OID4VCI §12.3 parameter for anonymous pre-authorized use."""
    return {
        "issuer": base_url,
        "token_endpoint": f"{base_url}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def credential_offer(offer: OpenOffer) -> dict[str, Any]:
    """The Credential Offer object (§4.1.1) served at ``credential_offer_uri``."""
    grant: dict[str, Any] = {"pre-authorized_code": offer.token}
    if offer.record.tx_code_hash is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": offer.record.tx_code_length,
            "description": "The code you were sent with the link to this offer",
        }
    return {
        "credential_issuer": offer.base_url,
        # One by default (OfferOptions): Sphereon's OpenID4VCIClient cannot pick between two.
        "credential_configuration_ids": list(offer.options.configurations),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


# -- key proofs (Appendix F.1) ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyProof:
    holder_did: str
    nonce: str


def _invalid_proof(description: str) -> OAuthError:
    return OAuthError("invalid_proof", description)


def _algorithms_for(key: Any) -> tuple[str, ...]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ("EdDSA",)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": ("ES256",), "secp384r1": ("ES384",)}.get(key.curve.name, ())
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return ("RS256", "PS256")
    return ()


def _public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The members that identify a public key (RFC 7638 §3.2), so its did:jwk is stable."""
    members = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}
    if PRIVATE_JWK_MEMBERS & jwk.keys():
        raise KeyFormatError("the jwk header must not contain private key members")
    names = members.get(str(jwk.get("kty")))
    if names is None:
        raise KeyFormatError(f'unsupported JWK key type "{jwk.get("kty")}"')
    return {name: jwk[name] for name in names if name in jwk}


def _holder_key(header: Mapping[str, Any]) -> tuple[str, Any]:
    """(holder DID, public key) from the proof's ``kid`` or ``jwk`` header (F.1)."""
    present = [name for name in ("kid", "jwk", "x5c") if name in header]
    if len(present) != 1:
        raise _invalid_proof("the proof header must carry exactly one of kid, jwk or x5c")
    if "x5c" in header:
        raise _invalid_proof("x5c key proofs are not supported: use a did:key kid or a jwk")
    if "jwk" in header:
        try:
            jwk = _public_jwk(header["jwk"]) if isinstance(header["jwk"], Mapping) else None
            if jwk is None:
                raise KeyFormatError("the jwk header must be a JSON object")
            return did_jwk_from_jwk(jwk), public_key_from_jwk(jwk)
        except (KeyFormatError, KeyError, TypeError, ValueError) as exc:
            raise _invalid_proof(f"the jwk header is not a usable public key: {exc}") from None
    kid = header["kid"]
    if not isinstance(kid, str) or not kid.startswith(("did:key:", "did:jwk:")):
        raise _invalid_proof("kid must be a did:key or did:jwk DID URL")
    if "#" not in kid:  # a bare DID: its one verification method
        kid += "#" + (kid.removeprefix("did:key:") if kid.startswith("did:key:") else "0")
    try:
        method = resolve_verification_method(kid, purpose="authentication")
    except DIDResolutionError as exc:
        raise _invalid_proof(f"kid could not be resolved: {exc}") from None
    return method.controller, method.public_key


def verify_key_proof(token: Any, audience: str, now: datetime) -> KeyProof:
    """Check a ``jwt`` key proof: type, key, signature, ``aud``, ``iat`` and ``nonce``."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise _invalid_proof("the jwt proof must be a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise _invalid_proof(f"the jwt proof header cannot be read: {exc}") from None
    if header.get("typ") != PROOF_TYP:
        raise _invalid_proof(f"the proof typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise _invalid_proof(f"proof alg must be one of {', '.join(PROOF_ALGS)}")
    holder_did, key = _holder_key(header)
    if alg not in _algorithms_for(key):
        raise _invalid_proof(f"alg {alg} does not match the holder key type")
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            audience=audience,
            options={"require": ["aud", "iat"], "verify_iat": False, "verify_exp": True},
        )
    except jwt.InvalidAudienceError:
        raise _invalid_proof(f"the proof aud must be the credential issuer {audience}") from None
    except jwt.InvalidSignatureError:
        raise _invalid_proof("the proof signature does not verify with the holder key") from None
    except jwt.InvalidTokenError as exc:
        raise _invalid_proof(f"the proof is not valid: {exc}") from None
    iat = claims.get("iat")
    stamp = now.timestamp()
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _invalid_proof("the proof iat must be a number (seconds since the epoch)")
    if iat > stamp + CLOCK_SKEW_SECONDS:
        raise _invalid_proof("the proof iat is in the future")
    if iat < stamp - PROOF_MAX_AGE_SECONDS - CLOCK_SKEW_SECONDS:
        raise _invalid_proof(f"the proof is older than {PROOF_MAX_AGE_SECONDS} seconds")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _invalid_proof("the proof has no nonce: get a c_nonce from the nonce endpoint")
    return KeyProof(holder_did, nonce)


# -- the endpoints' logic -------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRequest:
    config_id: str
    proof_jwt: Any
    legacy: bool  # a draft-13 request: answer in the draft-13 shape


def parse_credential_request(body: Any) -> CredentialRequest:
    if not isinstance(body, Mapping):
        raise OAuthError("invalid_credential_request", "the body must be a JSON object")
    legacy = "format" in body or "proof" in body
    if "credential_identifier" in body:
        raise OAuthError(
            "unknown_credential_identifier",
            "this issuer returns no credential_identifiers: use credential_configuration_id",
        )
    if "credential_configuration_id" in body:
        config_id = body["credential_configuration_id"]
        if config_id not in CONFIGURATIONS:
            raise OAuthError(
                "unknown_credential_configuration",
                f"credential_configuration_id must be one of {', '.join(CONFIGURATIONS)}",
            )
    elif "format" in body:  # draft 13
        by_format = {fmt: cid for cid, fmt in CONFIGURATIONS.items()}
        if body["format"] not in by_format:
            raise OAuthError(
                "unsupported_credential_format",
                f"format must be {LDP_VC} or {JWT_VC_JSON}",
            )
        config_id = by_format[body["format"]]
    else:
        raise OAuthError("invalid_credential_request", "credential_configuration_id is required")
    if "proofs" in body:
        proofs = body["proofs"]
        jwts = proofs.get("jwt") if isinstance(proofs, Mapping) else None
        if not isinstance(proofs, Mapping) or set(proofs) != {"jwt"}:
            raise _invalid_proof("proofs must hold exactly one proof type, jwt")
        if not isinstance(jwts, list) or not jwts:
            raise _invalid_proof("proofs.jwt must be a non-empty array of JWTs")
        proof_jwt = jwts[0]  # one credential per offer: it is bound to the first key
    elif "proof" in body:  # draft 13
        proof = body["proof"]
        if not isinstance(proof, Mapping) or proof.get("proof_type") != "jwt":
            raise _invalid_proof("proof.proof_type must be jwt")
        proof_jwt = proof.get("jwt")
    else:
        raise _invalid_proof("a key proof is required: proofs.jwt")
    return CredentialRequest(config_id, proof_jwt, legacy)


class Oid4vciIssuer:
    def __init__(self, wallet: WalletService) -> None:
        self.wallet = wallet

    @property
    def issuer(self) -> str:
        return self.wallet.base_url

    def offer(self, session: Session, token: str) -> dict[str, Any]:
        offer = self.wallet.open(session, token)
        self.wallet.check_claimable(offer.record)
        return credential_offer(offer)

    # -- nonce (§7) ---------------------------------------------------------------------

    def new_nonce(self) -> str:
        """A fresh c_nonce: signed and expiring, nothing stored until it is used."""
        return self.wallet.nonces.issue(utcnow())

    def nonce(self) -> dict[str, Any]:
        return {"c_nonce": self.new_nonce()}

    # -- token (§6) ---------------------------------------------------------------------

    def token(self, session: Session, form: Mapping[str, Any]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant != PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
        code = form.get("pre-authorized_code")
        if not isinstance(code, str) or not code:
            raise OAuthError("invalid_request", "pre-authorized_code is required")
        offer = repository.offer_by_token_hash(session, offers.digest(code))
        if offer is None:
            raise OAuthError("invalid_grant", "unknown pre-authorized_code")
        now = utcnow()
        if offer.code_redeemed_at is not None:
            raise OAuthError("invalid_grant", "the pre-authorized_code was already used")
        try:
            self.wallet.check_claimable(offer, now)
        except OfferGone as exc:
            raise OAuthError("invalid_grant", exc.detail) from None
        self._check_tx_code(session, offer, form.get("tx_code"))
        access_token = secrets.token_urlsafe(32)
        expires = now + offers.ACCESS_TOKEN_TTL
        if not repository.redeem_code(session, offer.id, now, offers.digest(access_token), expires):
            raise OAuthError("invalid_grant", "the pre-authorized_code was already used")
        nonce = self.new_nonce()  # draft 13 wallets take their c_nonce from here
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(offers.ACCESS_TOKEN_TTL.total_seconds()),
            "c_nonce": nonce,
            "c_nonce_expires_in": int(offers.NONCE_TTL.total_seconds()),
        }

    @staticmethod
    def _check_tx_code(session: Session, offer: WalletOffer, tx_code: Any) -> None:
        if offer.tx_code_hash is None:
            if tx_code is not None:
                raise OAuthError("invalid_request", "this offer expects no tx_code")
            return
        if not isinstance(tx_code, str) or not tx_code:
            raise OAuthError("invalid_request", "this offer requires a tx_code")
        # An attempt counts even when the request fails below: an OAuth error is an answer,
        # and the request's transaction commits with it (app/api/oid4vci.py).
        allowed = repository.take_tx_code_attempt(session, offer.id, offers.MAX_TX_CODE_ATTEMPTS)
        if not allowed:
            raise OAuthError(
                "invalid_grant", "too many wrong tx_code attempts: ask for a new offer"
            )
        if not offers.tx_code_matches(offer, tx_code):
            raise OAuthError("invalid_grant", "the tx_code is wrong")

    # -- credential (§8) ----------------------------------------------------------------

    def offer_for_token(self, session: Session, authorization: str | None) -> WalletOffer:
        """The offer an OID4VCI access token was issued for (RFC 6750: 401 otherwise)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise OAuthError(
                "invalid_token",
                "a Bearer access token from the token endpoint is required",
                status=401,
            )
        offer = repository.offer_by_access_token_hash(session, offers.digest(token.strip()))
        expires = offer.access_token_expires_at if offer else None
        if offer is None or expires is None or as_utc(expires) <= utcnow():
            raise OAuthError("invalid_token", "the access token is invalid or expired", status=401)
        if offer.revoked_at is not None:
            raise OAuthError("invalid_token", "the offer was withdrawn", status=401)
        return offer

    def credential(self, session: Session, authorization: str | None, raw: bytes) -> dict[str, Any]:
        offer = self.offer_for_token(session, authorization)  # RFC 6750: the token first
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise OAuthError("invalid_credential_request", "the body must be JSON") from None
        if bad := find_bad_string(body):
            raise OAuthError("invalid_credential_request", f'"{bad[0]}" {bad[1]}')
        request = parse_credential_request(body)
        proof = verify_key_proof(request.proof_jwt, self.issuer, utcnow())
        if not self._spend_nonce(session, proof.nonce):
            raise self._nonce_error(request)
        record = self._bound_credential(session, offer, proof.holder_did)
        if CONFIGURATIONS[request.config_id] == LDP_VC:
            credential: Any = json.loads(record.document)
        else:
            credential = self.wallet.jwt_form(session, record, store=True)
        if request.legacy:
            fresh = self.new_nonce()
            return {
                "credential": credential,
                "c_nonce": fresh,
                "c_nonce_expires_in": int(offers.NONCE_TTL.total_seconds()),
            }
        return {"credentials": [{"credential": credential}]}

    def _spend_nonce(self, session: Session, nonce: str) -> bool:
        """True once for a nonce signed here and unexpired; the spend is recorded (committed
        by the caller) so the same nonce fails the next time."""
        now = utcnow()
        expires = self.wallet.nonces.expiry(nonce, now)
        if expires is None:
            return False
        repository.purge_nonces(session, now)
        return repository.spend_nonce(session, offers.digest(nonce), now, expires)

    def _nonce_error(self, request: CredentialRequest) -> OAuthError:
        description = "the proof nonce is unknown, expired or already used: get a new c_nonce"
        if not request.legacy:
            return OAuthError("invalid_nonce", description)
        fresh = self.new_nonce()
        return OAuthError(
            "invalid_proof",
            description,
            extra={
                "c_nonce": fresh,
                "c_nonce_expires_in": int(offers.NONCE_TTL.total_seconds()),
            },
        )

    def _bound_credential(
        self, session: Session, offer: WalletOffer, holder_did: str
    ) -> IssuedCredential:
        """Issue the wallet copy; the same token and holder may fetch it again (say, in the
        other format), nobody else can."""
        session.refresh(offer)
        if offer.used_at is not None:
            copy = self.wallet.delivered(session, offer)
            if copy is not None and offer.holder_did == holder_did:
                return copy
            raise OAuthError(
                "credential_request_denied", "this offer was already used by another wallet"
            )
        try:
            # The access token's lifetime governs now: the offer's was checked at the token.
            return self.wallet.deliver(
                session, offer.id, holder_did, "oid4vci", enforce_expiry=False
            )
        except AppError as exc:
            raise OAuthError("credential_request_denied", exc.detail) from None
