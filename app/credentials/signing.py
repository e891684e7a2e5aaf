"""Who signs for an organization: its DID, active key and verification method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer, Signer
from app.core.vc.models import Image, Profile
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import Keyring
from app.models import KeyType, Organization, SigningKey

DEFAULT_SUITE = "eddsa-rdfc-2022"


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


class CredentialSigner:
    """Adds a Data Integrity proof with an organization's active Ed25519 key."""

    def __init__(
        self, engine: DataIntegrityEngine, keyring: Keyring, identity: IssuerIdentity
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.identity = identity

    def context_for(self, session: Session, org: Organization) -> OrgSigningContext:
        key = self.keyring.ensure_active_key(session, org.id, KeyType.ED25519)
        did = self.identity.org_did(org, key)
        vm = self.identity.verification_method(did, key)
        signer = Ed25519Signer(self.keyring.ed25519_private_key(key), vm)
        return OrgSigningContext(org, did, key, signer)

    def sign(
        self, document: dict[str, Any], ctx: OrgSigningContext, suite: str = DEFAULT_SUITE
    ) -> dict[str, Any]:
        options = ProofOptions(verification_method=ctx.signer.verification_method)
        return self.engine.add_proof(document, SUITES[suite], ctx.signer, options)
