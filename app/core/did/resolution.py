"""Pure DID resolution and verification method dereferencing.

``resolve_did`` resolves did:key and did:jwk locally and did:web through an injected
``fetch_json`` callable (no HTTP client here). ``dereference`` follows CID 1.0 §3.3
"Retrieve Verification Method": the method's id must sit in the document, its ``controller``
must be the document's ``id``, and it must be listed under the requested relationship.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from app.core.did.did_jwk import did_jwk_document
from app.core.did.did_key import did_key_document
from app.core.did.did_web import did_web_to_url
from app.core.did.document import VERIFICATION_RELATIONSHIPS, PublicKey, public_key_from_jwk
from app.core.did.errors import (
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
    INVALID_DID,
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD_URL,
    METHOD_NOT_SUPPORTED,
    NOT_FOUND,
    DIDResolutionError,
    KeyFormatError,
)
from app.core.multiformats import decode_multikey

__all__ = [
    "DIDResolutionError",
    "FetchJson",
    "VerificationMethod",
    "dereference",
    "resolve_did",
    "resolve_verification_method",
]

FetchJson = Callable[[str], Any]

_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")
_MULTIBASE_TYPES = ("Multikey", "Ed25519VerificationKey2020")
_JWK_TYPES = ("JsonWebKey", "JsonWebKey2020")


@dataclass(frozen=True)
class VerificationMethod:
    """A dereferenced verification method with its decoded public key (CID 1.0 §2.2)."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    purposes: tuple[str, ...]
    public_key_multibase: str | None = None
    public_key_jwk: dict[str, Any] | None = field(default=None, compare=False)


def _absolute(doc_id: str, ref: str) -> str:
    return doc_id + ref if ref.startswith("#") else ref


def _candidates(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every verification method object: listed ones, then ones embedded in relationships."""
    for key in ("verificationMethod", *VERIFICATION_RELATIONSHIPS):
        entries = document.get(key) or []
        if isinstance(entries, (str, Mapping)):
            entries = [entries]
        for entry in entries:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                yield entry


def _purposes(document: Mapping[str, Any], doc_id: str, vm_id: str) -> tuple[str, ...]:
    """Verification relationships that reference ``vm_id``, by string id or embedded."""
    found: list[str] = []
    for relationship in VERIFICATION_RELATIONSHIPS:
        entries = document.get(relationship) or []
        if isinstance(entries, (str, Mapping)):
            entries = [entries]
        for entry in entries:
            ref = entry.get("id") if isinstance(entry, Mapping) else entry
            if isinstance(ref, str) and _absolute(doc_id, ref) == vm_id:
                found.append(relationship)
                break
    return tuple(found)


def _decode_key(vm: Mapping[str, Any], vm_id: str) -> PublicKey:
    vm_type = vm.get("type")
    try:
        if vm_type in _MULTIBASE_TYPES:
            value = vm.get("publicKeyMultibase")
            if not isinstance(value, str):
                raise KeyFormatError(f'{vm_type} requires "publicKeyMultibase"')
            key = decode_multikey(value)
            if vm_type == "Ed25519VerificationKey2020" and not isinstance(
                key, ed25519.Ed25519PublicKey
            ):
                raise KeyFormatError("Ed25519VerificationKey2020 must hold an Ed25519 key")
            return key
        if vm_type in _JWK_TYPES:
            jwk = vm.get("publicKeyJwk")
            if not isinstance(jwk, dict):
                raise KeyFormatError(f'{vm_type} requires "publicKeyJwk"')
            return public_key_from_jwk(jwk)
    except (ValueError, TypeError) as exc:
        raise DIDResolutionError(
            f'verification method "{vm_id}" has an unusable key: {exc}',
            INVALID_VERIFICATION_METHOD,
        ) from exc
    raise DIDResolutionError(
        f'verification method "{vm_id}" has unsupported type "{vm_type}"',
        INVALID_VERIFICATION_METHOD,
    )


def dereference(
    did_document: Mapping[str, Any], vm_id: str, *, purpose: str | None = None
) -> VerificationMethod:
    """Find ``vm_id`` (absolute, or relative ``#frag``) in a DID document (CID 1.0 §3.3).

    Raises ``DIDResolutionError`` when the method is missing, its ``controller`` is not the
    document's ``id``, it is not listed under ``purpose`` (when given), or its key is unusable.
    """
    doc_id = did_document.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise DIDResolutionError(
            'DID document has no "id"', INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID
        )
    if not isinstance(vm_id, str) or "#" not in vm_id:
        raise DIDResolutionError(
            f'"{vm_id}" is not a verification method URL (needs a fragment)',
            INVALID_VERIFICATION_METHOD_URL,
        )
    target = _absolute(doc_id, vm_id)
    if target.partition("#")[0] != doc_id:
        raise DIDResolutionError(
            f'"{target}" is not in the document of "{doc_id}"',
            INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
        )
    vm = next((c for c in _candidates(did_document) if _absolute(doc_id, c["id"]) == target), None)
    if vm is None:
        raise DIDResolutionError(
            f'verification method "{target}" is not in the DID document of "{doc_id}"',
            INVALID_VERIFICATION_METHOD,
        )
    controller = vm.get("controller")
    if controller != doc_id:
        raise DIDResolutionError(
            f'verification method "{target}" has controller "{controller}", expected "{doc_id}"',
            INVALID_VERIFICATION_METHOD,
        )
    purposes = _purposes(did_document, doc_id, target)
    if purpose is not None and purpose not in purposes:
        raise DIDResolutionError(
            f'verification method "{target}" is not listed under "{purpose}"',
            INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
        )
    public_key = _decode_key(vm, target)
    jwk = vm.get("publicKeyJwk")
    multibase = vm.get("publicKeyMultibase")
    return VerificationMethod(
        id=target,
        type=str(vm.get("type")),
        controller=doc_id,
        public_key=public_key,
        purposes=purposes,
        public_key_multibase=multibase if isinstance(multibase, str) else None,
        public_key_jwk=dict(jwk) if isinstance(jwk, dict) else None,
    )


def _fetch_did_web(did: str, fetch_json: FetchJson | None, scheme: str) -> dict[str, Any]:
    if fetch_json is None:
        raise DIDResolutionError(f'resolving "{did}" needs an HTTP fetcher', NOT_FOUND)
    url = did_web_to_url(did, scheme=scheme)
    try:
        document = fetch_json(url)
    except DIDResolutionError:
        raise
    except Exception as exc:  # any transport/JSON failure of the injected fetcher
        raise DIDResolutionError(f'could not fetch "{url}" for "{did}": {exc}', NOT_FOUND) from exc
    if not isinstance(document, dict):
        raise DIDResolutionError(f'"{url}" did not return a JSON object', NOT_FOUND)
    if document.get("id") != did:
        raise DIDResolutionError(
            f'DID document at "{url}" has id "{document.get("id")}", expected "{did}"'
            " (did:web §3.2)",
            INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
        )
    return document


def resolve_did(
    did: str, fetch_json: FetchJson | None = None, *, web_scheme: str = "https"
) -> dict[str, Any]:
    """Resolve a DID (or DID URL: its fragment/query are dropped) to its DID document.

    did:key and did:jwk are computed locally; did:web is fetched with ``fetch_json(url)``,
    which returns parsed JSON or raises. ``web_scheme="http"`` is for loopback tests.
    """
    if not isinstance(did, str):
        raise DIDResolutionError("a DID must be a string", INVALID_DID)
    bare = re.split(r"[?#]", did, maxsplit=1)[0]
    if not _DID.match(bare):
        raise DIDResolutionError(f'"{did}" is not a DID', INVALID_DID)
    method = bare.split(":", 2)[1]
    if method == "key":
        return did_key_document(bare)
    if method == "jwk":
        return did_jwk_document(bare)
    if method == "web":
        return _fetch_did_web(bare, fetch_json, web_scheme)
    raise DIDResolutionError(f'DID method "did:{method}" is not supported', METHOD_NOT_SUPPORTED)


def resolve_verification_method(
    vm_url: str,
    fetch_json: FetchJson | None = None,
    *,
    purpose: str | None = None,
    web_scheme: str = "https",
) -> VerificationMethod:
    """Resolve the DID of ``vm_url`` and dereference the method in it (CID 1.0 §3.3)."""
    document = resolve_did(vm_url, fetch_json, web_scheme=web_scheme)
    return dereference(document, vm_url, purpose=purpose)
