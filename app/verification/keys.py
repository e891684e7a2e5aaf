"""Resolving a proof's verification method to a public key, with the issuer's authority."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.catalog import repository as orgs
from app.catalog.identity import IssuerIdentity
from app.core.did.did_key import public_key_from_did_key
from app.core.did.errors import DIDResolutionError
from app.core.proofs.data_integrity import KeyResolutionError
from app.keystore import repository as keys
from app.keystore.keyring import public_key_of
from app.models import KeyStatus


class KeyResolver:
    """did:key offline; our own did:web from the database (no HTTP call to ourselves)."""

    def __init__(self, session: Session, identity: IssuerIdentity) -> None:
        self.session = session
        self.identity = identity

    def __call__(self, verification_method: str, proof_purpose: str) -> Any:
        did, _, fragment = verification_method.partition("#")
        if not fragment:
            raise KeyResolutionError(
                f'verification method "{verification_method}" has no fragment naming a key'
            )
        if did.startswith("did:key:"):
            try:
                return public_key_from_did_key(verification_method)
            except (DIDResolutionError, ValueError) as exc:
                raise KeyResolutionError(f'cannot use "{verification_method}": {exc}') from None
        if did.startswith("did:web:"):
            return self._own_web_key(did, fragment, verification_method)
        raise KeyResolutionError(f'cannot resolve "{verification_method}": unsupported method')

    def _own_web_key(self, did: str, fragment: str, vm: str) -> Any:
        key = keys.by_fragment(self.session, fragment)
        owner_did = None
        if key is not None:
            if key.org_id is None:
                owner_did = self.identity.instance_did()
            else:
                org = orgs.by_id(self.session, key.org_id)
                owner_did = self.identity.org_web_did(org) if org else None
        if key is None or owner_did != did:
            raise KeyResolutionError(f'key "{vm}" is not published by {did}')
        if key.status == KeyStatus.REVOKED:
            raise KeyResolutionError(f'key "{vm}" was revoked and is no longer published')
        return public_key_of(key)
