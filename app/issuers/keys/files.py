"""Private key files: PKCS#8 PEM, mode 0600, in a 0700 directory. Never read into a response."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class KeyFileError(RuntimeError):
    """A key file that is missing, unreadable or too open; the message says how to fix it."""


def ensure_keys_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise KeyFileError(f"keys directory {directory} is not writable: fix LAUREL_KEYS_DIR")
    os.chmod(directory, 0o700)


def write_private_key(directory: Path, file_name: str, key: PrivateKeyTypes) -> Path:
    """Create the file exclusively with mode 0600 (no window where it is world-readable)."""
    ensure_keys_dir(directory)
    path = directory / file_name
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def read_private_key(directory: Path, file_name: str) -> PrivateKeyTypes:
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
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError):
        # Never chain the parser's exception: it may quote key material.
        raise KeyFileError(f"key file {path} is not a readable PKCS#8 PEM private key") from None
