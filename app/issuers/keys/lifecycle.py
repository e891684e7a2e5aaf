"""Key rotation and revocation: what stays published, and which credentials need re-issue.

Rotation: the new key becomes active; the previous one is *retired*: it signs nothing more
but stays in the DID document and JWKS, so everything it signed still verifies.
Revocation: the key leaves publication, so its credentials stop verifying; they are listed
for re-issue, JWT forms it made are dropped (re-made on request with the active key), and
the organization's status lists are re-signed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.db import retrying, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.issuers.keys import repository
from app.issuers.keys.keyring import Keyring
from app.models import (
    CredentialEncoding,
    IssuedCredential,
    KeyStatus,
    KeyType,
    Organization,
    SigningKey,
    StatusList,
)
from app.models.enums import CredentialStatus

#: Enough for a handful of simultaneous rotations on SQLite (no row locks): each loser of the
#: one-active-key race runs again after the winner; more clashes than this answer 409.
ROTATION_ATTEMPTS = 8
#: Called in the revoking transaction with the key's organization (e.g. re-sign its lists).
KeyRevocationListener = Callable[[Session, int | None], None]


class KeyLifecycle:
    def __init__(self, keyring: Keyring, on_revoked: Sequence[KeyRevocationListener] = ()) -> None:
        self.keyring = keyring
        #: Wired by the container: the status lists this key signed are signed again.
        self.on_revoked = tuple(on_revoked)

    def rotate(self, session: Session, org_id: int, key_type: str = KeyType.ED25519) -> SigningKey:
        """Retire the active key and make a new one. Too many clashes answer 409."""
        if key_type not in {t.value for t in KeyType}:
            raise InvalidInput(
                f'key type "{key_type}" is not one of Ed25519, P-256, RSA', field="type"
            )

        def unit() -> SigningKey:
            # Concurrent rotations take turns (PostgreSQL) or, losing the race on the
            # one-active-key index, run again (``KeyClash``): each retires the key before it.
            repository.lock_owner(session, org_id)
            previous = repository.active_key(session, org_id, key_type)
            if previous is not None:
                previous.status = KeyStatus.RETIRED
                previous.retired_at = utcnow()
                session.add(previous)
                session.flush()
            return self.keyring.create_key(session, org_id, key_type)

        return retrying(session, unit, attempts=ROTATION_ATTEMPTS)
        previous = repository.active_key(session, org_id, key_type)
        if previous is not None:
            previous.status = KeyStatus.RETIRED
            previous.retired_at = utcnow()
            session.add(previous)
            session.flush()
        return self.keyring.create_key(session, org_id, key_type)

    @staticmethod
    def all_keys(session: Session, org_id: int) -> list[SigningKey]:
        return repository.all_keys(session, org_id)

    @staticmethod
    def published(session: Session, org_id: int | None) -> list[SigningKey]:
        """The keys a verifier may still need: active and retired (revoked ones are gone)."""
        return repository.published_keys(session, org_id)

    @staticmethod
    def all_published(session: Session) -> list[SigningKey]:
        return repository.all_published_keys(session)

    @staticmethod
    def published_key(session: Session, org: Organization, kid: str) -> SigningKey | None:
        key = repository.by_fragment(session, kid)
        if key is None or key.org_id != org.id or key.status == KeyStatus.REVOKED:
            return None
        return key

    def get(self, session: Session, org_id: int | None, kid: str) -> SigningKey:
        key = repository.by_fragment(session, kid)
        if key is None or (org_id is not None and key.org_id != org_id):
            raise NotFound(f'no key "{kid}"', field="kid")
        return key

    def revoke(self, session: Session, key: SigningKey) -> SigningKey:
        if key.status == KeyStatus.REVOKED:
            raise Conflict(f'key "{key.fragment}" is already revoked', field="kid")
        key.status = KeyStatus.REVOKED
        key.revoked_at = utcnow()
        session.add(key)
        if key.org_id is not None:
            repository.bump_key_version(session, key.org_id)
        session.execute(delete(CredentialEncoding).where(col(CredentialEncoding.key_id) == key.id))
        if key.org_id is not None:
            # Lists signed by this key must be signed again by the active key.
            session.execute(
                update(StatusList)
                .where(col(StatusList.org_id) == key.org_id)
                .values(signed_version=-1)
            )
        session.flush()
        for listener in self.on_revoked:
            listener(session, key.org_id)
        return key

    @staticmethod
    def needing_reissue(session: Session, key: SigningKey) -> list[IssuedCredential]:
        """Credentials whose proof this (revoked) key made, not yet revoked or superseded."""
        stmt = (
            select(IssuedCredential)
            .where(
                IssuedCredential.key_id == key.id,
                col(IssuedCredential.status) != CredentialStatus.REVOKED,
                col(IssuedCredential.superseded_by).is_(None),
            )
            .order_by(col(IssuedCredential.issued_at))
        )
        return list(session.exec(stmt))
