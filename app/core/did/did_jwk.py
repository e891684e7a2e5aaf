"""did:jwk (did:jwk Method Specification, quartzjer/did-jwk): the DID is a public JWK.

``did:jwk:<base64url(UTF-8 JSON of the JWK)>``. The document has one verification method
``did:jwk:...#0`` of type ``JsonWebKey``. A key marked ``"use": "sig"`` gets no
``keyAgreement``; ``"use": "enc"`` gets only ``keyAgreement`` (§"Read").
"""

from __future__ import annotations

import json
from typing import Any

from app.core.did.document import (
    PRIVATE_JWK_MEMBERS,
    PublicKey,
    b64url_decode,
    b64url_encode,
    jwk_from_public_key,
    public_key_from_jwk,
)
from app.core.did.errors import INVALID_DID, INVALID_DID_URL, DIDResolutionError, KeyFormatError
from app.core.vocabulary import DID_V1, JWK_V1

PREFIX = "did:jwk:"
_SIGNING = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def did_jwk_from_jwk(jwk: dict[str, Any]) -> str:
    """``did:jwk:...`` from a public JWK; compact JSON with sorted members, so it is stable."""
    private = sorted(PRIVATE_JWK_MEMBERS & jwk.keys())
    if private:
        raise KeyFormatError(f"did:jwk must not contain private key material ({private})")
    public_key_from_jwk(jwk)  # validates
    text = json.dumps(jwk, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return PREFIX + b64url_encode(text.encode("utf-8"))


def did_jwk_from_public_key(public_key: PublicKey) -> str:
    """``did:jwk:...`` for a public key object."""
    return did_jwk_from_jwk(jwk_from_public_key(public_key))


def jwk_from_did_jwk(did_url: str) -> dict[str, Any]:
    """The JWK inside a did:jwk DID or DID URL (fragment, if any, must be ``0``)."""
    if not isinstance(did_url, str) or not did_url.startswith(PREFIX):
        raise DIDResolutionError(f'"{did_url}" is not a did:jwk DID', INVALID_DID)
    did, _, fragment = did_url.partition("#")
    if fragment not in ("", "0"):
        raise DIDResolutionError(f'"{did_url}": a did:jwk fragment must be "0"', INVALID_DID_URL)
    try:
        jwk = json.loads(b64url_decode(did[len(PREFIX) :]).decode("utf-8"))
    except (KeyFormatError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DIDResolutionError(f'"{did}" does not encode a JSON JWK', INVALID_DID) from exc
    if not isinstance(jwk, dict):
        raise DIDResolutionError(f'"{did}" does not encode a JSON object', INVALID_DID)
    try:
        public_key_from_jwk(jwk)
    except KeyFormatError as exc:
        raise DIDResolutionError(f'"{did}" holds an unusable JWK: {exc}', INVALID_DID) from exc
    return jwk


def public_key_from_did_jwk(did_url: str) -> PublicKey:
    """The public key of a did:jwk DID or DID URL."""
    return public_key_from_jwk(jwk_from_did_jwk(did_url))


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk (did:jwk §"Read"), with a ``JsonWebKey`` method ``#0``."""
    jwk = jwk_from_did_jwk(did)
    did = did.partition("#")[0]
    vm_id = f"{did}#0"
    document: dict[str, Any] = {
        "@context": [DID_V1, JWK_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    if use != "enc":
        for relationship in _SIGNING:
            document[relationship] = [vm_id]
    if use != "sig":
        document["keyAgreement"] = [vm_id]
    return document
