"""VC-JWT forms of issued credentials: signed on first request, then served as stored."""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core.proofs import jose
from app.errors import InvalidInput
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.issuers.keys.keyring import KeyClash, Keyring
from app.models import CredentialEncoding, IssuedCredential, KeyType, Organization, SigningKey

KEY_TYPE_FOR_ALG = {"EdDSA": KeyType.ED25519, "ES256": KeyType.P256, "RS256": KeyType.RSA}
PROFILES = (jose.OB_PROFILE, jose.VC_JOSE_PROFILE)


class JwtEncoder:
    def __init__(self, keyring: Keyring, identity: IssuerIdentity) -> None:
        self.keyring = keyring
        self.identity = identity

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
    ) -> str:
        """The compact JWS of the stored (LD-signed) credential; made once per profile+alg."""
        org = orgs.by_id(session, record.org_id)
        assert org is not None
        self.check(org, profile, alg)
        existing = self._stored(session, record.uuid, profile, alg)
        if existing is not None:
            return existing.text
        key, ed_key = self._signing_keys(session, org.id, alg)  # type: ignore[arg-type]
        did = self.identity.org_did(org, ed_key)
        kid = self.identity.verification_method(did, key if org.did_method == "web" else ed_key)
        token = jose.sign_vc_jwt(
            json.loads(record.document), self.keyring.private_key(key), kid, profile=profile
        )
        session.add(
            CredentialEncoding(
                credential_uuid=record.uuid, profile=profile, alg=alg, key_id=key.id, text=token
            )
        )  # type: ignore[arg-type]
        try:
            session.commit()
        except IntegrityError:  # a concurrent request made it first: serve that one
            session.rollback()
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
            session.rollback()
            return both()

    @staticmethod
    def _stored(session: Session, uuid: str, profile: str, alg: str) -> CredentialEncoding | None:
        stmt = select(CredentialEncoding).where(
            CredentialEncoding.credential_uuid == uuid,
            CredentialEncoding.profile == profile,
            CredentialEncoding.alg == alg,
        )
        return session.exec(stmt).first()
