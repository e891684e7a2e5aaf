"""DID documents for a controller DID, and public JWKs (RFC 7517/7518, RFC 8037).

Verification methods are ``Multikey`` (CID 1.0 §2.2.2) for Ed25519 and P-256 keys. RSA keys
have no Multikey form, so they are published as ``JsonWebKey`` (CID 1.0 §2.2.3) and the
``https://w3id.org/security/jwk/v1`` context is added only when such a key is present.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app.core.did.errors import KeyFormatError
from app.core.multiformats import PublicKey as MultikeyPublicKey
from app.core.multiformats import encode_multikey
from app.core.vocabulary import DID_V1, JWK_V1, MULTIKEY_V1

#: Verification relationships, in the order DID Core §5.3 lists them.
VERIFICATION_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

#: JWK members that carry private key material (IANA JOSE registry, "Private" parameters).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

_EC_CURVES: dict[str, tuple[type[ec.EllipticCurve], int]] = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
    "P-521": (ec.SECP521R1, 66),
}
_EC_NAMES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding; rejects characters outside the alphabet."""
    if not isinstance(value, str):
        raise KeyFormatError("base64url value must be a string")
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyFormatError(f'"{value[:32]}" is not valid base64url') from exc


def _uint_to_b64(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(length, "big"))


def jwk_from_public_key(public_key: PublicKey, kid: str | None = None) -> dict[str, str]:
    """Public JWK for an Ed25519 (OKP, RFC 8037), EC P-256/384/521 or RSA key; never private."""
    jwk: dict[str, str]
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes_raw()
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in _EC_NAMES:
            raise KeyFormatError(f'EC curve "{public_key.curve.name}" has no JWK name')
        crv, size = _EC_NAMES[public_key.curve.name]
        numbers = public_key.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": _uint_to_b64(numbers.x, size),
            "y": _uint_to_b64(numbers.y, size),
        }
    elif isinstance(public_key, rsa.RSAPublicKey):
        numbers_rsa = public_key.public_numbers()
        jwk = {"kty": "RSA", "n": _uint_to_b64(numbers_rsa.n), "e": _uint_to_b64(numbers_rsa.e)}
    else:
        raise KeyFormatError(f"unsupported public key type {type(public_key).__name__}")
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def _member(jwk: dict[str, Any], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise KeyFormatError(f'JWK "{name}" is required and must be a string')
    return value


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Public key from a JWK; a JWK with private members is rejected (CID 1.0 §2.2.3)."""
    if not isinstance(jwk, dict):
        raise KeyFormatError("JWK must be a JSON object")
    private = sorted(PRIVATE_JWK_MEMBERS & jwk.keys())
    if private:
        raise KeyFormatError(f"JWK contains private key material ({', '.join(private)})")
    kty = jwk.get("kty")
    try:
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise KeyFormatError(f'OKP curve "{jwk.get("crv")}" is not supported')
            x = b64url_decode(_member(jwk, "x"))
            return ed25519.Ed25519PublicKey.from_public_bytes(x)
        if kty == "EC":
            crv = _member(jwk, "crv")
            if crv not in _EC_CURVES:
                raise KeyFormatError(f'EC curve "{crv}" is not supported')
            curve_cls, size = _EC_CURVES[crv]
            x_bytes = b64url_decode(_member(jwk, "x"))
            y_bytes = b64url_decode(_member(jwk, "y"))
            if len(x_bytes) != size or len(y_bytes) != size:
                raise KeyFormatError(f"EC {crv} coordinates must be {size} bytes")
            point = b"\x04" + x_bytes + y_bytes
            return ec.EllipticCurvePublicKey.from_encoded_point(curve_cls(), point)
        if kty == "RSA":
            n = int.from_bytes(b64url_decode(_member(jwk, "n")), "big")
            e = int.from_bytes(b64url_decode(_member(jwk, "e")), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except KeyFormatError:
        raise
    except ValueError as exc:  # cryptography: point not on curve, bad key size, ...
        raise KeyFormatError(f"invalid {kty} JWK: {exc}") from exc
    raise KeyFormatError(f'JWK "kty" "{kty}" is not supported')


def is_multikey_type(public_key: PublicKey) -> TypeGuard[MultikeyPublicKey]:
    """True for keys this service publishes as ``Multikey`` (Ed25519, P-256)."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return True
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    )


@dataclass(frozen=True)
class PublishedKey:
    """A key to list in a DID document: its fragment, public key and verification relationships."""

    key_id: str
    public_key: PublicKey
    purposes: Sequence[str] = ("assertionMethod", "authentication")

    @property
    def fragment(self) -> str:
        return self.key_id.removeprefix("#")


def verification_method(did: str, key: PublishedKey) -> dict[str, Any]:
    """One verification method with an absolute id ``did#fragment`` (CID 1.0 §2.2)."""
    vm_id = f"{did}#{key.fragment}"
    public_key = key.public_key
    if is_multikey_type(public_key):
        return {
            "id": vm_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": encode_multikey(public_key),
        }
    return {
        "id": vm_id,
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": jwk_from_public_key(key.public_key),
    }


def _check_keys(keys: Iterable[PublishedKey]) -> None:
    seen: set[str] = set()
    for key in keys:
        if not key.fragment or "#" in key.fragment:
            raise ValueError(f'key id "{key.key_id}" must be a non-empty fragment')
        if key.fragment in seen:
            raise ValueError(f'key id "{key.fragment}" appears twice')
        seen.add(key.fragment)
        unknown = set(key.purposes) - set(VERIFICATION_RELATIONSHIPS)
        if unknown:
            raise ValueError(f"unknown verification relationship(s) {sorted(unknown)}")


def build_did_document(did: str, keys: Sequence[PublishedKey]) -> dict[str, Any]:
    """DID document (DID Core §5) listing ``keys``; relationships hold absolute string ids.

    ``assertionMethod`` and ``authentication`` are always present (the 1EdTech validator reads
    ``assertionMethod`` as a list of absolute ids); other relationships only when used.
    """
    _check_keys(keys)
    methods = [verification_method(did, key) for key in keys]
    context = [DID_V1, MULTIKEY_V1]
    if any(vm["type"] == "JsonWebKey" for vm in methods):
        context.append(JWK_V1)
    document: dict[str, Any] = {"@context": context, "id": did, "verificationMethod": methods}
    for relationship in VERIFICATION_RELATIONSHIPS:
        ids = [
            vm["id"] for vm, key in zip(methods, keys, strict=True) if relationship in key.purposes
        ]
        if ids or relationship in ("authentication", "assertionMethod"):
            document[relationship] = ids
    return document
