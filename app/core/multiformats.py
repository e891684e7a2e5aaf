"""Multibase, multicodec and Multikey (CID 1.0 §2.2.2; VC-DI-EDDSA §2.1.1; VC-DI-ECDSA §2.1.1).

- multibase: a one-character prefix naming the base: ``z`` base58btc, ``u`` base64url (no pad).
- multicodec: a varint header naming the key type. Written here as their varint bytes:
  ed25519-pub ``0xed01``, ed25519-priv ``0x8026``, p256-pub ``0x8024``, p256-priv ``0x8626``.
- Multikey: ``publicKeyMultibase`` = ``z`` + base58btc(multicodec header + raw key); Ed25519 keys
  therefore start ``z6Mk`` and P-256 (compressed, 33 bytes) keys ``zDn``. Any other header MUST
  be rejected.

Error messages never contain key bytes.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

#: multicodec headers (unsigned varint bytes) of the key types this service knows.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
P256_PRIV = b"\x86\x26"

BASE58BTC = "z"
BASE64URL = "u"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58_ALPHABET)}


# -- base58btc (the Bitcoin alphabet; leading zero bytes become leading "1"s) -------------------


def base58btc_encode(data: bytes) -> str:
    """base58btc of ``data`` (no multibase prefix)."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_B58_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Bytes of a base58btc string (no multibase prefix); ValueError on a foreign character."""
    number = 0
    for char in text:
        value = _B58_INDEX.get(char)
        if value is None:
            raise ValueError(f"invalid base58btc character {char!r}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


# -- multibase ---------------------------------------------------------------------------------


def multibase_encode(data: bytes, base: str = BASE58BTC) -> str:
    """Multibase string: ``z`` + base58btc, or ``u`` + base64url without padding."""
    if base == BASE58BTC:
        return BASE58BTC + base58btc_encode(data)
    if base == BASE64URL:
        return BASE64URL + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    raise ValueError(f'unsupported multibase prefix "{base}" (use "z" or "u")')


def multibase_decode(text: str) -> bytes:
    """Bytes of a ``z`` (base58btc) or ``u`` (base64url, no padding) multibase string."""
    if not isinstance(text, str) or not text:
        raise ValueError("a multibase value must be a non-empty string")
    prefix, body = text[0], text[1:]
    if prefix == BASE58BTC:
        return base58btc_decode(body)
    if prefix == BASE64URL:
        if "=" in body:
            raise ValueError('multibase "u" (base64url) must not be padded')
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError('invalid multibase "u" (base64url) value') from exc
    raise ValueError(f'unsupported multibase prefix "{prefix}" (expected "z" or "u")')


# -- Multikey ----------------------------------------------------------------------------------


def encode_multikey(public_key: PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 or P-256 public key (CID §2.2.2)."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return multibase_encode(ED25519_PUB + raw)
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    ):
        raw = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return multibase_encode(P256_PUB + raw)
    raise ValueError(f"no Multikey encoding for {type(public_key).__name__} (Ed25519 or P-256)")


def decode_multikey(value: str) -> PublicKey:
    """The public key of a Multikey ``publicKeyMultibase``; unknown headers are rejected."""
    if not isinstance(value, str) or not value.startswith(BASE58BTC):
        raise ValueError('publicKeyMultibase must be base58btc multibase (start with "z")')
    data = multibase_decode(value)
    header, raw = data[:2], data[2:]
    if header == ED25519_PUB:
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 Multikey holds 32 key bytes, not {len(raw)}")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if header == P256_PUB:
        if len(raw) != 33 or raw[0] not in (2, 3):
            raise ValueError("a P-256 Multikey holds a 33-byte compressed point")
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValueError("the P-256 Multikey is not a point on the curve") from None
    raise ValueError(
        f"unsupported Multikey header 0x{header.hex()} (expected ed25519-pub 0xed01 "
        "or p256-pub 0x8024)"
    )


def encode_private_multikey(private_key: PrivateKey) -> str:
    """``secretKeyMultibase``: ed25519-priv + 32-byte seed, or p256-priv + 32-byte scalar."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return multibase_encode(ED25519_PRIV + raw)
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raw = private_key.private_numbers().private_value.to_bytes(32, "big")
        return multibase_encode(P256_PRIV + raw)
    raise ValueError(f"no Multikey encoding for {type(private_key).__name__}")


def decode_private_multikey(value: str) -> PrivateKey:
    """The private key of a ``secretKeyMultibase``.

    Ed25519 accepts the 32-byte seed and the 64-byte ``seed || public key`` form some
    implementations (the OB 3.0 implementation guide) publish; the public half must match.
    """
    if not isinstance(value, str) or not value.startswith(BASE58BTC):
        raise ValueError('secretKeyMultibase must be base58btc multibase (start with "z")')
    try:
        data = multibase_decode(value)
    except ValueError:
        raise ValueError("secretKeyMultibase is not valid base58btc") from None  # no key chars
    header, raw = data[:2], data[2:]
    if header == ED25519_PRIV and len(raw) in (32, 64):
        key = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
        if len(raw) == 64 and raw[32:] != key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ):
            raise ValueError("the Ed25519 secret key's public half does not match its seed")
        return key
    if header == P256_PRIV and len(raw) == 32:
        try:
            return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        except ValueError:
            raise ValueError("the P-256 secret key is out of range") from None
    raise ValueError(
        f"unsupported secret Multikey header 0x{header.hex()} or length {len(raw)} "
        "(expected ed25519-priv 0x8026 + 32 bytes or p256-priv 0x8626 + 32 bytes)"
    )
