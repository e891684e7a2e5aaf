"""Private key files: PKCS#8 PEM, mode 0600, in a 0700 directory. Never read into a response."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from app.core.proofs.jose import JwsPrivateKey
from app.errors import ServiceUnavailable


class KeyFileError(RuntimeError):
    """A key file that is missing, unreadable or too open; the message says how to fix it."""


class KeysDirUnavailable(ServiceUnavailable):
    """A new key could not be written (disk full, read-only): nothing was left behind."""

    code = "keys-dir-unavailable"
    title = "Keys directory unavailable"

    def __init__(self, directory: Path, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        super().__init__(
            f"cannot write a new key file in the keys directory {directory} ({reason}): "
            "check its free space and permissions (LAUREL_KEYS_DIR)"
        )


def ensure_keys_dir(directory: Path) -> None:
    """At start: the directory exists, is ours alone (0700) and takes new key files."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        writable = os.access(directory, os.W_OK | os.X_OK)
        if writable:
            os.chmod(directory, 0o700)
    except OSError as exc:
        raise KeyFileError(
            f"keys directory {directory} is not usable ({exc.strerror}): fix LAUREL_KEYS_DIR"
        ) from None
    if not writable:
        raise KeyFileError(f"keys directory {directory} is not writable: fix LAUREL_KEYS_DIR")


def write_private_key(directory: Path, file_name: str, key: JwsPrivateKey) -> Path:
    """Write all or nothing: a 0600 temp file in the same directory, fsync, then rename.

    A full or read-only directory raises ``KeysDirUnavailable`` and leaves no file behind
    (never a truncated ``.pem`` that a later start would fail to read).
    """
    path = directory / file_name
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".pem.tmp")  # 0600
        try:
            _write_all(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
        temp = None
        _fsync_dir(directory)
    except OSError as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise KeysDirUnavailable(directory, exc) from None
    return path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_private_key(directory: Path, file_name: str) -> JwsPrivateKey:
    path = directory / file_name
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(
            f"key file {path} is missing: restore it from backup, or revoke the key "
            "with `laurel keys revoke` so a new one is used"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {path} is readable by others: run chmod 600 {path}")
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError):
        # Never chain the parser's exception: it may quote key material.
        raise KeyFileError(f"key file {path} is not a readable PKCS#8 PEM private key") from None
    if not isinstance(private, JwsPrivateKey):
        raise KeyFileError(
            f"key file {path} holds a {type(private).__name__}: keys are Ed25519, P-256 or RSA"
        )
    return private
