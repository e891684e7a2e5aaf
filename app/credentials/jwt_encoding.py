"""VC-JWT forms of issued credentials.

A form asked for by a write (issuing with a JWT format, an OID4VCI claim) is stored in that
request's transaction; a read (the credential URL) serves the stored form or signs one and
keeps it in this process's memory only, so GET requests write no form. (A read may still
create the organization's first key of a type it never used: see ``ensure_active_key``.)
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlmodel import Session, select

from app.core.proofs import jose
from app.db import unique_or
from app.errors import InvalidInput
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import KeyClash, Keyring
from app.models import CredentialEncoding, IssuedCredential, KeyType, Organization, SigningKey

KEY_TYPE_FOR_ALG = {"EdDSA": KeyType.ED25519, "ES256": KeyType.P256, "RS256": KeyType.RSA}
PROFILES = (jose.OB_PROFILE, jose.VC_JOSE_PROFILE)
_MEMORY = 4096


class _AlreadyStored(Exception):
    """A concurrent request stored the same form first."""


class JwtEncoder:
    def __init__(self, keyring: Keyring, identity: IssuerIdentity) -> None:
        self.keyring = keyring
        self.identity = identity
        #: Forms signed for reads, by (credential, profile, alg, key): never written.
        self._memory: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def check(org: Organization, profile: str, alg: str) -> None:
        """Refuse a combination that cannot be signed, before anything is stored."""
        if alg not in KEY_TYPE_FOR_ALG:
            raise InvalidInput(
                f'"alg" must be one of {", ".join(KEY_TYPE_FOR_ALG)}', field="options.alg"
            )
        if profile not in PROFILES:
            raise InvalidInput(f'unknown JWT profile "{profile}"', field="options.format")
        if org.did_method == "key" and alg != "EdDSA":
            raise InvalidInput(
                f'organization "{org.slug}" issues as did:key (Ed25519): use "EdDSA"',
                field="options.alg",
            )

    def encode(
        self,
        session: Session,
        record: IssuedCredential,
        profile: str = jose.OB_PROFILE,
        alg: str = "RS256",
        *,
        store: bool = False,
    ) -> str:
        """The compact JWS of the stored (LD-signed) credential. ``store=True`` (a write
        request) keeps a new form in the caller's transaction; otherwise it stays in memory."""
        org = orgs.by_id(session, record.org_id)
        assert org is not None
        self.check(org, profile, alg)
        existing = self._stored(session, record.uuid, profile, alg)
        if existing is not None:
            return existing.text
        key, ed_key = self._signing_keys(session, org.id, alg)
        remembered = (record.uuid, profile, alg, key.fragment)
        with self._lock:
            token = self._memory.get(remembered)
        if token is None:
            did = self.identity.org_did(org, ed_key)
            kid = self.identity.verification_method(did, key if org.did_method == "web" else ed_key)
            token = jose.sign_vc_jwt(
                json.loads(record.document), self.keyring.private_key(key), kid, profile=profile
            )
        if not store:
            with self._lock:
                self._memory[remembered] = token
                while len(self._memory) > _MEMORY:
                    self._memory.popitem(last=False)
            return token
        try:
            with unique_or(session, _AlreadyStored()):
                session.add(
                    CredentialEncoding(
                        credential_uuid=record.uuid,
                        profile=profile,
                        alg=alg,
                        key_id=key.id,
                        text=token,
                    )
                )
        except _AlreadyStored:  # a concurrent request made it first: serve that one
            stored = self._stored(session, record.uuid, profile, alg)
            assert stored is not None
            return stored.text
        return token

    def _signing_keys(
        self, session: Session, org_id: int, alg: str
    ) -> tuple[SigningKey, SigningKey]:
        """The key for ``alg`` and the Ed25519 key (the DID), made on first use."""

        def both() -> tuple[SigningKey, SigningKey]:
            return (
                self.keyring.ensure_active_key(session, org_id, KEY_TYPE_FOR_ALG[alg]),
                self.keyring.ensure_active_key(session, org_id, KeyType.ED25519),
            )

        try:
            return both()
        except KeyClash:  # a concurrent request made it first: use that one
            return both()

    @staticmethod
    def _stored(session: Session, uuid: str, profile: str, alg: str) -> CredentialEncoding | None:
        stmt = select(CredentialEncoding).where(
            CredentialEncoding.credential_uuid == uuid,
            CredentialEncoding.profile == profile,
            CredentialEncoding.alg == alg,
        )
        return session.exec(stmt).first()
