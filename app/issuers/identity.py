"""Issuer identifiers: an organization's DID and its keys' verification method ids."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from app.core.did.did_key import did_key_from_public_key
from app.core.did.did_web import did_web_for_url
from app.issuers.keys.keyring import public_key_of
from app.models import Organization, SigningKey


@dataclass(frozen=True)
class IssuerIdentity:
    """How an issuer names itself and its keys (DID Core §3.2 DID URLs)."""

    base_url: str

    def instance_did(self) -> str:
        return did_web_for_url(self.base_url, [])

    def org_web_did(self, org: Organization) -> str:
        return did_web_for_url(self.base_url, ["orgs", org.slug])

    def org_did(self, org: Organization, active_ed25519: SigningKey | None) -> str:
        """did:web by default; did:key of the active Ed25519 key when the org chose it."""
        if org.did_method == "key":
            if active_ed25519 is None:
                raise ValueError(f'organization "{org.slug}" has no active Ed25519 key')
            public = public_key_of(active_ed25519)
            if isinstance(public, rsa.RSAPublicKey):
                raise ValueError("did:key needs an Ed25519 or P-256 key, not RSA")
            return did_key_from_public_key(public)
        return self.org_web_did(org)

    def verification_method(self, controller_did: str, key: SigningKey) -> str:
        if controller_did.startswith("did:key:"):
            return f"{controller_did}#{controller_did.removeprefix('did:key:')}"
        return f"{controller_did}#{key.fragment}"

    def org_document_url(self, org: Organization) -> str:
        return f"{self.base_url}/orgs/{org.slug}/did.json"

    def credential_url(self, uuid: str) -> str:
        return f"{self.base_url}/credentials/{uuid}"
