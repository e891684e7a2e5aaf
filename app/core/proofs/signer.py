"""Signers and signature checks for the suites' key types.

A signer is handed to the proof engine: it knows its verification method and its algorithm and
signs bytes; the private key never leaves it (nor shows in its repr). ``algorithm`` uses the
JOSE names (RFC 8037 ``EdDSA``, RFC 7518 ``ES256``) so the same signer serves VC-JOSE.

- Ed25519 (RFC 8032): pure EdDSA over the data (VC-DI-EDDSA §3.2.6).
- P-256: ECDSA with SHA-256 over the data, the signature as raw ``r || s``, 64 bytes
  (VC-DI-ECDSA §3.3.6; the IEEE P1363 form, as in JWS ES256).
"""

from __future__ import annotations

from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from app.core.multiformats import PublicKey

EDDSA = "EdDSA"
ES256 = "ES256"
_P256_SIZE = 32


class Signer(Protocol):
    """What the Data Integrity engine needs from a key holder."""

    @property
    def verification_method(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    """Ed25519 signatures (64 bytes) for eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020."""

    algorithm = EDDSA
    __slots__ = ("_key", "verification_method")

    def __init__(self, private_key: ed25519.Ed25519PrivateKey, verification_method: str) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise TypeError(
                f"Ed25519Signer needs an Ed25519 private key, not {type(private_key).__name__}"
            )
        self._key = private_key
        self.verification_method = verification_method

    def __repr__(self) -> str:
        return f"Ed25519Signer(verification_method={self.verification_method!r})"

    __str__ = __repr__

    def public_key(self) -> ed25519.Ed25519PublicKey:
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


class P256Signer:
    """ECDSA P-256 / SHA-256 signatures as raw ``r || s`` (64 bytes) for ecdsa-rdfc-2019."""

    algorithm = ES256
    __slots__ = ("_key", "verification_method")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, verification_method: str) -> None:
        if not (
            isinstance(private_key, ec.EllipticCurvePrivateKey)
            and isinstance(private_key.curve, ec.SECP256R1)
        ):
            raise TypeError(
                f"P256Signer needs a P-256 private key, not {type(private_key).__name__}"
            )
        self._key = private_key
        self.verification_method = verification_method

    def __repr__(self) -> str:
        return f"P256Signer(verification_method={self.verification_method!r})"

    __str__ = __repr__

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_SIZE, "big") + s.to_bytes(_P256_SIZE, "big")


def signer_for(private_key: object, verification_method: str) -> Ed25519Signer | P256Signer:
    """The signer class matching a private key's type (Data Integrity signs with Ed25519 or
    P-256; an RSA key, which only VC-JWT uses, is refused)."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(private_key, verification_method)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return P256Signer(private_key, verification_method)
    raise TypeError(f"no signer for {type(private_key).__name__} keys (Ed25519 or P-256)")


def algorithm_of(public_key: object) -> str | None:
    """The JOSE algorithm name a public key verifies, or None for an unsupported key."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return EDDSA
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    ):
        return ES256
    return None


def verify_signature(public_key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` over ``data`` checks with ``public_key`` (Ed25519 or P-256)."""
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
            return True
        if algorithm_of(public_key) == ES256 and len(signature) == 2 * _P256_SIZE:
            r = int.from_bytes(signature[:_P256_SIZE], "big")
            s = int.from_bytes(signature[_P256_SIZE:], "big")
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False
