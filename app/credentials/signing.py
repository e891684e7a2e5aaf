"""Who signs for an organization: its DID, active key and verification method."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import ES256, Signer, signer_for
from app.core.vc.models import Image, Profile
from app.errors import InvalidInput
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import Keyring
from app.models import KeyType, Organization, SigningKey

#: Signing contexts kept per worker (organizations x suites); past it the cache starts over.
_MAX_CACHED_CONTEXTS = 4096

DEFAULT_SUITE = "eddsa-rdfc-2022"
LEGACY_SUITE = "Ed25519Signature2020"
#: What ``options.cryptosuite`` may name (VC-API issue): the Data Integrity suites we sign.
ISSUE_SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019")


@dataclass(frozen=True)
class OrgSigningContext:
    org: Organization
    did: str
    key: SigningKey
    signer: Signer

    def profile(self) -> Profile:
        """OB 3.0 B.1.14 Profile of the issuer, with its DID as id."""
        org = self.org
        image = Image(id=org.image_url) if org.image_url else None
        return Profile(
            id=self.did,
            name=org.name,
            url=org.url,
            email=org.email,
            description=org.description,
            image=image,
        )


def check_suite(name: object, field: str = "options.cryptosuite") -> str:
    """The cryptosuite an issue request names, or a 422 listing those we sign with."""
    if not isinstance(name, str) or name not in ISSUE_SUITES:
        raise InvalidInput(
            f'"cryptosuite" must be one of {", ".join(ISSUE_SUITES)}, not {name!r}', field=field
        )
    return name


class CredentialSigner:
    """Adds Data Integrity proofs with an organization's active key of the suite's type:
    Ed25519 for the EdDSA suites, P-256 for ecdsa-rdfc-2019 (a Multikey in its did:web
    document, made on first use like the Ed25519 key)."""

    def __init__(
        self, engine: DataIntegrityEngine, keyring: Keyring, identity: IssuerIdentity
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.identity = identity
        self._contexts: dict[tuple[Any, ...], OrgSigningContext] = {}
        self._lock = threading.Lock()

    def context_for(
        self, session: Session, org: Organization, suite: str = DEFAULT_SUITE
    ) -> OrgSigningContext:
        """The organization's signing context, cached per worker while ``org.key_version``
        (read with the organization's row by every request) is the one it was built at: any
        key change on any worker writes a new version, so the next request sees it."""
        cache_key = (org.id, suite, org.key_version, org.did_method, org.slug)
        with self._lock:
            cached = self._contexts.get(cache_key)
        if cached is not None:
            return OrgSigningContext(org, cached.did, cached.key, cached.signer)
        version = org.key_version
        ctx = self._load_context(session, org, suite)
        if org.key_version == version:  # no key was made here (it could still roll back)
            detached = _detached_copy(ctx.key)
            with self._lock:
                if len(self._contexts) >= _MAX_CACHED_CONTEXTS:
                    self._contexts.clear()
                self._contexts[cache_key] = OrgSigningContext(org, ctx.did, detached, ctx.signer)
        return ctx

    def _load_context(self, session: Session, org: Organization, suite: str) -> OrgSigningContext:
        ed25519 = self.keyring.ensure_active_key(session, org.id, KeyType.ED25519)
        did = self.identity.org_did(org, ed25519)
        key = ed25519
        if SUITES[suite].algorithm == ES256:
            if org.did_method == "key":
                raise InvalidInput(
                    f"{suite} needs a P-256 key in the issuer's DID document; the did:key of "
                    f'"{org.slug}" names its Ed25519 key only',
                    field="options.cryptosuite",
                )
            key = self.keyring.ensure_active_key(session, org.id, KeyType.P256)
        vm = self.identity.verification_method(did, key)
        signer = signer_for(self.keyring.private_key(key), vm)
        return OrgSigningContext(org, did, key, signer)

    def sign(
        self,
        document: dict[str, Any],
        ctx: OrgSigningContext,
        suite: str = DEFAULT_SUITE,
        *,
        legacy: bool = False,
    ) -> dict[str, Any]:
        """One proof by the suite; with ``legacy`` a proof set that adds Ed25519Signature2020
        (VC-DI §4.4: each proof signs the document without proofs), for wallets that verify
        only that suite. Both proofs are over the same @context, the suite context included;
        the suite's proof comes first (what OB 3.0 verifiers look for)."""
        options = ProofOptions(verification_method=ctx.signer.verification_method)
        if not legacy:
            return self.engine.add_proof(document, SUITES[suite], ctx.signer, options)
        document = self.engine.with_suite_context(document, SUITES[LEGACY_SUITE])
        signed = self.engine.add_proof(document, SUITES[suite], ctx.signer, options)
        return self.engine.add_proof(signed, SUITES[LEGACY_SUITE], ctx.signer, options)


def _detached_copy(key: SigningKey) -> SigningKey:
    """A transient copy of the key's row: the cached context outlives the session that read
    it, and is never added to another."""
    return SigningKey(**key.model_dump())
