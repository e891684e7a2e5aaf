"""Stateless OID4VCI ``c_nonce`` values (OID4VCI 1.0 §7): signed, expiring, single use.

A nonce is ``base64url(random(16) || expiry(8) || HMAC-SHA256(key, random || expiry)[:16])``.
Handing one out writes nothing (the nonce endpoint is unauthenticated: it must not be a way
to fill the database); the credential endpoint checks the signature and expiry, then records
the nonce as spent (app/wallet/repository.py ``spend_nonce``) so it works only once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.issuers.keys.files import KeyFileError, ensure_keys_dir

_DOMAIN = b"laurel oid4vci c_nonce v1\x00"
_RANDOM, _STAMP, _MAC = 16, 8, 16
KEY_FILE = "nonce.key"


def key_file(directory: Path) -> bytes:
    """The instance's nonce key: 32 random bytes in ``directory/nonce.key`` (mode 0600), made
    on first use. Workers starting together agree: the file appears whole (a hard link of a
    finished temporary file), and whoever loses the race reads the winner's."""
    path = directory / KEY_FILE
    if not path.exists():
        ensure_keys_dir(directory)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".nonce-")  # mode 0600
        try:
            os.write(fd, secrets.token_bytes(32))
            os.fsync(fd)
            os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_bytes()
    if len(key) != 32:
        raise KeyFileError(f"{path} is not a 32-byte nonce key: delete it to make a new one")
    return key


def key_from_secret(secret: str) -> bytes:
    return hashlib.sha256(_DOMAIN + secret.encode()).digest()


class NonceSigner:
    def __init__(self, key: Callable[[], bytes], ttl: timedelta) -> None:
        self._load = key
        self._key: bytes | None = None
        self.ttl = ttl

    def _mac(self, payload: bytes) -> bytes:
        if self._key is None:
            self._key = self._load()  # first use: the key file may be made now
        return hmac.new(self._key, _DOMAIN + payload, hashlib.sha256).digest()[:_MAC]

    def issue(self, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        payload = secrets.token_bytes(_RANDOM) + expires.to_bytes(_STAMP, "big")
        return base64.urlsafe_b64encode(payload + self._mac(payload)).rstrip(b"=").decode()

    def expiry(self, value: str, now: datetime) -> datetime | None:
        """When the nonce expires, if it was issued here and has not yet; else ``None``."""
        if not isinstance(value, str) or len(value) > 64:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != _RANDOM + _STAMP + _MAC:
            return None
        payload, mac = raw[: _RANDOM + _STAMP], raw[_RANDOM + _STAMP :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        expires = datetime.fromtimestamp(int.from_bytes(payload[_RANDOM:], "big"), UTC)
        return expires if expires > now else None
