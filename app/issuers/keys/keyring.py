"""Key lifecycle: create keys (file + row), load private halves once, hand out signers."""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.did.document import PublicKey, public_key_from_jwk
from app.core.proofs.jose import JwsPrivateKey
from app.db import RetryableConflict
from app.errors import Conflict
from app.issuers.keys import repository
from app.issuers.keys.files import (
    KeyFileError,
    ensure_keys_dir,
    read_private_key,
    write_private_key,
)
from app.issuers.keys.jwk import public_jwk, thumbprint
from app.models import KeyStatus, KeyType, SigningKey


class KeyClash(RetryableConflict, Conflict):
    """Another transaction made the active key of this type first (one active key per type).

    Units of work that retry (``app.db.retrying``) run again and use that key; elsewhere it
    answers 409.
    """

    def __init__(self, key_type: str) -> None:
        Conflict.__init__(
            self, f"another request made a new active {key_type} key at the same time; retry"
        )


def generate_private_key(key_type: str) -> JwsPrivateKey:
    if key_type == KeyType.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == KeyType.P256:
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == KeyType.RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key type {key_type!r}: use Ed25519, P-256 or RSA")


class Keyring:
    """The one place that touches private key material."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._private: dict[str, JwsPrivateKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never list key material
        return f"Keyring({self.keys_dir})"

    def prepare(self) -> None:
        ensure_keys_dir(self.keys_dir)

    def create_key(
        self, session: Session, org_id: int | None, key_type: str = KeyType.ED25519
    ) -> SigningKey:
        """Write the private file (0600) and add the row; the caller commits.

        The database allows one active key per owner and type: losing that race removes the
        file just written and raises ``KeyClash``; only this insert (a savepoint) is undone, so
        the caller may look again for the winner's key in the same transaction.
        """
        private = generate_private_key(key_type)
        jwk = public_jwk(private.public_key())
        fragment = thumbprint(jwk)
        owner = f"org{org_id}" if org_id is not None else "instance"
        file_name = f"{owner}-{key_type.lower()}-{secrets.token_hex(6)}.pem"
        path = write_private_key(self.keys_dir, file_name, private)
        key = SigningKey(
            org_id=org_id,
            fragment=fragment,
            key_type=key_type,
            status=KeyStatus.ACTIVE,
            public_jwk=json.dumps(jwk, separators=(",", ":")),
            file_name=file_name,
        )
        try:
            with session.begin_nested():
                session.add(key)
        except IntegrityError as exc:
            path.unlink(missing_ok=True)
            if "signing_keys" not in str(exc.orig):
                raise
            raise KeyClash(key_type) from None
        if org_id is not None:
            repository.bump_key_version(session, org_id)
        with self._lock:
            self._private[fragment] = private
        return key

    def ensure_active_key(
        self, session: Session, org_id: int | None, key_type: str = KeyType.ED25519
    ) -> SigningKey:
        return repository.active_key(session, org_id, key_type) or self.create_key(
            session, org_id, key_type
        )

    def private_key(self, key: SigningKey) -> JwsPrivateKey:
        with self._lock:
            cached = self._private.get(key.fragment)
        if cached is not None:
            return cached
        private = read_private_key(self.keys_dir, key.file_name)
        with self._lock:
            self._private[key.fragment] = private
        return private

    def ed25519_private_key(self, key: SigningKey) -> ed25519.Ed25519PrivateKey:
        """The private half of an Ed25519 key row (for the Data Integrity eddsa suites)."""
        private = self.private_key(key)
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise KeyFileError(f"key file {key.file_name} does not hold an Ed25519 key")
        return private

    def check_published_keys(self, session: Session) -> None:
        """Fail at start-up when a published key's file is missing or unreadable."""
        for key in repository.all_published_keys(session):
            self.private_key(key)


def public_key_of(key: SigningKey) -> PublicKey:
    return public_key_from_jwk(json.loads(key.public_jwk))
