"""did:key (W3C CCG did:key Method v0.7): the DID is the key, no network.

``did:key:<mb>`` where ``<mb>`` is the Multikey ``publicKeyMultibase`` (``z6Mk...`` Ed25519,
``zDn...`` P-256). Its one verification method is ``did:key:<mb>#<mb>`` (§3.1.1 Document
Creation Algorithm), listed in every signing relationship.
"""

from __future__ import annotations

from typing import Any

from app.core.did.errors import INVALID_DID, INVALID_DID_URL, DIDResolutionError
from app.core.multiformats import PublicKey, decode_multikey, encode_multikey
from app.core.vocabulary import DID_V1, MULTIKEY_V1

PREFIX = "did:key:"

#: Relationships of the did:key verification method (did:key §3.1.1, no key agreement).
DID_KEY_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)


def did_key_from_public_key(public_key: PublicKey) -> str:
    """``did:key:z6Mk...`` for an Ed25519 key, ``did:key:zDn...`` for P-256 (did:key §2)."""
    return PREFIX + encode_multikey(public_key)


def _split(did_url: str) -> tuple[str, str]:
    """(did, multibase value) of a did:key DID or DID URL; the fragment must repeat the key."""
    if not isinstance(did_url, str) or not did_url.startswith(PREFIX):
        raise DIDResolutionError(f'"{did_url}" is not a did:key DID', INVALID_DID)
    did, _, fragment = did_url.partition("#")
    value = did[len(PREFIX) :]
    if not value.startswith("z") or any(c in value for c in ":/?"):
        raise DIDResolutionError(
            f'"{did}" is not a did:key DID: the key must be base58btc multibase ("z...")',
            INVALID_DID,
        )
    if fragment and fragment != value:
        raise DIDResolutionError(
            f'"{did_url}": a did:key fragment must equal the key "{value}"', INVALID_DID_URL
        )
    return did, value


def public_key_from_did_key(did_url: str) -> PublicKey:
    """Decode the public key of a did:key DID or DID URL (did:key §3.1.2 decode)."""
    did, value = _split(did_url)
    try:
        return decode_multikey(value)
    except (ValueError, TypeError) as exc:
        raise DIDResolutionError(f'"{did}" does not hold a valid Multikey: {exc}') from exc


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (did:key §3.1.1) with a ``Multikey`` method."""
    did, value = _split(did)
    public_key_from_did_key(did)  # validates the key bytes
    vm_id = f"{did}#{value}"
    document: dict[str, Any] = {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": value}
        ],
    }
    for relationship in DID_KEY_RELATIONSHIPS:
        document[relationship] = [vm_id]
    return document
