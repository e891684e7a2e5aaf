"""Resolving a proof's verification method to a public key, with its controller (CID 1.0 §3.3).

- Our own did:web keys come from the database (no HTTP call to ourselves); a revoked key is not
  found, so what it signed stops verifying.
- did:key and did:jwk are computed offline; other issuers' did:web documents and HTTPS key
  documents are fetched through the SSRF-guarded ``Fetcher``.
- The method must be listed for the proof purpose (``assertionMethod``) in its controller's
  document; the controller is remembered so the verifier can require it to be the issuer
  (OB 3.0 §8.5; the 1EdTech validator's "key controller == issuer.id").
- VC-JWT keys (OB 3.0 §8.2.3): ``kid`` as a DID URL or an HTTPS URL (a bare JWK, a JWK Set or a
  verification method document), or an embedded public ``jwk``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.core.did.did_jwk import did_jwk_from_jwk
from app.core.did.document import PublicKey, public_key_from_jwk
from app.core.did.errors import DIDResolutionError, KeyFormatError
from app.core.did.resolution import dereference, resolve_did, resolve_verification_method
from app.core.multiformats import decode_multikey
from app.core.proofs.data_integrity import KeyResolutionError
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.issuers.keys import repository as keys
from app.issuers.keys.keyring import public_key_of
from app.models import KeyStatus
from app.verification.fetch import Fetcher, FetchError

ASSERTION_METHOD = "assertionMethod"
_MULTIBASE_TYPES = ("Multikey", "Ed25519VerificationKey2020")
_JWK_TYPES = ("JsonWebKey", "JsonWebKey2020")


@dataclass(frozen=True)
class ResolvedKey:
    """A public key with the identifier that controls it and where it was found."""

    id: str
    controller: str
    public_key: PublicKey
    source: str  # "own did:web", "did:key", "did:jwk", "did:web", "https", "jwk header"
    note: str = ""


class OwnKeyCache:
    """Our organizations' did:web keys as resolved, each with the ``key_version`` of its
    organization read *before* the key row was (last) read.

    Every key made, retired or revoked writes a new random ``organizations.key_version``
    (``keys.repository.bump_key_version``), so an entry is used only while the organization
    row, read again on every verification, still carries that version: a revocation in any
    process is seen by the very next verification. One query (the organization row) instead
    of two, and no key decoding.
    """

    MAX_ENTRIES = 256

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[int, int, str, ResolvedKey]] = OrderedDict()
        self._lock = threading.Lock()
        self._instance_dids: dict[str, str] = {}

    def instance_did(self, identity: IssuerIdentity) -> str:
        """The service's own did:web (fixed by its base URL), computed once."""
        did = self._instance_dids.get(identity.base_url)
        if did is None:
            did = self._instance_dids[identity.base_url] = identity.instance_did()
        return did

    def get(self, vm: str) -> tuple[int, int, str, ResolvedKey] | None:
        with self._lock:
            return self._entries.get(vm)

    def put(self, vm: str, org_id: int, version: int, slug: str, resolved: ResolvedKey) -> None:
        """Remember ``resolved``, found for the organization ``org_id`` at ``version`` while
        its slug (which, with the fixed base URL, makes its did:web) was ``slug``."""
        with self._lock:
            self._entries[vm] = (org_id, version, slug, resolved)
            self._entries.move_to_end(vm)
            while len(self._entries) > self.MAX_ENTRIES:
                self._entries.popitem(last=False)


class KeyResolver:
    """One verification's key resolver: ``resolver(vm, purpose)`` is what the engine calls."""

    def __init__(
        self,
        session: Session,
        identity: IssuerIdentity,
        fetcher: Fetcher | None = None,
        own_keys: OwnKeyCache | None = None,
    ) -> None:
        self.session = session
        self.identity = identity
        self.fetcher = fetcher
        self.own_keys = own_keys
        self.resolved: dict[str, ResolvedKey] = {}

    def __call__(self, verification_method: str, proof_purpose: str) -> Any:
        return self.resolve(verification_method, proof_purpose).public_key

    def resolve(self, vm: str, purpose: str = ASSERTION_METHOD) -> ResolvedKey:
        """The key of ``vm``, listed for ``purpose``; ``KeyResolutionError`` says why not."""
        try:
            found = self._resolve(vm, purpose)
        except (DIDResolutionError, KeyFormatError, FetchError) as exc:
            raise KeyResolutionError(str(exc)) from None
        self.resolved[vm] = found
        return found

    def _resolve(self, vm: str, purpose: str) -> ResolvedKey:
        if vm.startswith("did:"):
            did, _, fragment = vm.partition("#")
            if not fragment:
                raise KeyResolutionError(f'verification method "{vm}" has no fragment naming a key')
            if self._is_own_did(did):
                return self._own_web_key(did, fragment, vm)
            method = did.split(":", 2)[1]
            fetch = self.fetcher.get_json if self.fetcher is not None else None
            found = resolve_verification_method(vm, fetch, purpose=purpose)
            return ResolvedKey(found.id, found.controller, found.public_key, f"did:{method}")
        if vm.startswith(("https://", "http://")):
            return self._https_key(vm, purpose)
        raise KeyResolutionError(f'cannot resolve "{vm}": not a DID URL or an https URL')

    # -- our own keys -------------------------------------------------------------------

    def _is_own_did(self, did: str) -> bool:
        own = (
            self.own_keys.instance_did(self.identity)
            if self.own_keys is not None
            else self.identity.instance_did()
        )
        return did == own or did.startswith(own + ":")

    def _own_web_key(self, did: str, fragment: str, vm: str) -> ResolvedKey:
        cached = self.own_keys.get(vm) if self.own_keys is not None else None
        if cached is not None:
            org_id, cached_version, slug, resolved = cached
            org = orgs.by_id(self.session, org_id)
            if org is not None and org.key_version == cached_version and org.slug == slug:
                return resolved
        key = keys.by_fragment(self.session, fragment)
        owner_did = None
        version: int | None = None
        slug = ""
        if key is not None:
            if key.org_id is None:
                owner_did = self.identity.instance_did()
            else:
                org = orgs.by_id(self.session, key.org_id)
                owner_did = self.identity.org_web_did(org) if org else None
                if org is not None and self.own_keys is not None:
                    # the version first, then the key row again: a revocation committed in
                    # between shows in the key, one committed later in the version
                    version, slug = org.key_version, org.slug
                    self.session.expire(key)
                    key = keys.by_fragment(self.session, fragment)
        if key is None or owner_did != did:
            raise KeyResolutionError(f'key "{vm}" is not published by {did}')
        if key.status == KeyStatus.REVOKED:
            raise KeyResolutionError(f'key "{vm}" was revoked and is no longer published')
        resolved = ResolvedKey(vm, did, public_key_of(key), "own did:web")
        if version is not None and key.org_id is not None and self.own_keys is not None:
            self.own_keys.put(vm, key.org_id, version, slug, resolved)
        return resolved

    # -- HTTPS key documents (OB 3.0 §8.5) ----------------------------------------------

    def _fetch_json(self, url: str) -> Any:
        if self.fetcher is None:
            raise KeyResolutionError(f'fetching "{url}" is not enabled on this verifier')
        return self.fetcher.get_json(url)

    def _https_key(self, vm: str, purpose: str) -> ResolvedKey:
        url, _, fragment = vm.partition("#")
        document = self._fetch_json(url)
        if not isinstance(document, dict):
            raise KeyResolutionError(f'"{url}" did not return a JSON object')
        if document.get("id") != vm or fragment:
            # A controller document (CID 1.0 §2.1) that lists the method.
            if document.get("id") != url:
                raise KeyResolutionError(
                    f'the document at "{url}" has id "{document.get("id")}", not "{url}"'
                )
            found = dereference(document, vm, purpose=purpose)
            return ResolvedKey(found.id, found.controller, found.public_key, "https")
        # A standalone verification method document: its controller must list it.
        controller = document.get("controller")
        if not isinstance(controller, str):
            raise KeyResolutionError(f'key document "{vm}" names no controller')
        controller_doc = self._controller_document(controller)
        if not _lists(controller_doc, purpose, vm):
            raise KeyResolutionError(
                f'the controller "{controller}" does not list "{vm}" under "{purpose}"'
            )
        return ResolvedKey(vm, controller, decode_method_key(document), "https")

    def _controller_document(self, controller: str) -> Mapping[str, Any]:
        if controller.startswith("did:"):
            fetch = self.fetcher.get_json if self.fetcher is not None else None
            return resolve_did(controller, fetch)
        document = self._fetch_json(controller)
        if not isinstance(document, dict) or document.get("id") != controller:
            raise KeyResolutionError(f'"{controller}" did not return its controller document')
        return document

    # -- VC-JWT keys (OB 3.0 §8.2.3) ----------------------------------------------------

    def jwt_key(
        self,
        kid: str | None,
        header: Mapping[str, Any],
        issuer: str | None,
        purpose: str = ASSERTION_METHOD,
    ) -> ResolvedKey:
        """The key a VC-JWT header points at; the issuer's authority is judged by the caller.
        A presentation's JWT (signed by the holder) asks for ``authentication`` keys."""
        try:
            return self._jwt_key(kid, header, issuer, purpose)
        except (DIDResolutionError, KeyFormatError, FetchError) as exc:
            raise KeyResolutionError(str(exc)) from None

    def _jwt_key(
        self, kid: str | None, header: Mapping[str, Any], issuer: str | None, purpose: str
    ) -> ResolvedKey:
        if kid:
            if kid.startswith("#") and issuer:
                kid = issuer + kid
            if kid.startswith("did:"):
                return self.resolve(kid, purpose)
            if kid.startswith(("https://", "http://")):
                return self._jwk_url(kid, issuer)
            if issuer and issuer.startswith("did:"):
                return self.resolve(f"{issuer}#{kid}", purpose)
            raise KeyResolutionError(f'"kid" "{kid}" is neither a DID URL nor an https URL')
        jwk = header.get("jwk")
        if isinstance(jwk, dict):
            public_key = public_key_from_jwk(jwk)
            did_jwk = did_jwk_from_jwk({k: v for k, v in jwk.items() if k not in ("kid", "use")})
            controller = did_jwk
            if issuer and issuer != did_jwk and self._issuer_lists_key(issuer, public_key):
                controller = issuer
            return ResolvedKey(f"{did_jwk}#0", controller, public_key, "jwk header")
        raise KeyResolutionError('the JWT header has neither "kid" nor "jwk"')

    def _jwk_url(self, kid: str, issuer: str | None) -> ResolvedKey:
        url, _, fragment = kid.partition("#")
        document = self._fetch_json(url)
        if not isinstance(document, dict):
            raise KeyResolutionError(f'"{url}" did not return a JSON object')
        if "kty" in document:  # a bare JWK (what the 1EdTech validator expects)
            jwk: Mapping[str, Any] = document
        elif isinstance(document.get("keys"), list):  # a JWK Set (RFC 7517 §5)
            jwk = _pick_jwk(document["keys"], kid, fragment)
        else:
            return self._https_key(kid, ASSERTION_METHOD)
        public_key = public_key_from_jwk(dict(jwk))
        # A bare JWK names no controller: the issuer controls keys served from its own origin.
        same_origin = issuer is not None and _origin(issuer) == _origin(kid)
        controller = issuer if same_origin and issuer else _origin(kid)
        return ResolvedKey(kid, controller, public_key, "https", "served from the issuer's origin")

    def _issuer_lists_key(self, issuer: str, public_key: PublicKey) -> bool:
        """True when the issuer's DID document lists this key for assertionMethod."""
        if not issuer.startswith("did:") or self._is_own_did(issuer):
            return False
        fetch = self.fetcher.get_json if self.fetcher is not None else None
        try:
            document = resolve_did(issuer, fetch)
        except DIDResolutionError:
            return False
        wanted = _raw(public_key)
        for entry in document.get("verificationMethod") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            try:
                found = dereference(document, entry["id"], purpose=ASSERTION_METHOD)
            except DIDResolutionError:
                continue
            if _raw(found.public_key) == wanted:
                return True
        return False


def decode_method_key(method: Mapping[str, Any]) -> PublicKey:
    """The public key of a Multikey / Ed25519VerificationKey2020 / JsonWebKey method object."""
    method_type = method.get("type")
    try:
        if method_type in _MULTIBASE_TYPES and isinstance(method.get("publicKeyMultibase"), str):
            return decode_multikey(method["publicKeyMultibase"])
        if method_type in _JWK_TYPES and isinstance(method.get("publicKeyJwk"), dict):
            return public_key_from_jwk(method["publicKeyJwk"])
    except (ValueError, TypeError) as exc:
        raise KeyResolutionError(f'"{method.get("id")}" holds an unusable key: {exc}') from None
    raise KeyResolutionError(f'"{method.get("id")}" has unsupported key type "{method_type}"')


def _lists(document: Mapping[str, Any], relationship: str, vm: str) -> bool:
    entries = document.get(relationship) or []
    entries = entries if isinstance(entries, list) else [entries]
    return any((e.get("id") if isinstance(e, dict) else e) == vm for e in entries)


def _pick_jwk(keyset: list[Any], kid: str, fragment: str) -> Mapping[str, Any]:
    candidates = [k for k in keyset if isinstance(k, dict)]
    for key in candidates:
        if key.get("kid") in (kid, fragment) and fragment:
            return key
    if len(candidates) == 1 and not fragment:
        return candidates[0]
    raise KeyResolutionError(f'the JWK Set at "{kid}" has no key "{fragment or kid}"')


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else url


def _raw(public_key: PublicKey) -> bytes:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return public_key.public_bytes_raw()
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
