"""Multibase, multicodec headers and Multikey (CID 1.0 §2.2.2, VC-DI-EDDSA §2.1.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.core.multiformats import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PUB,
    base58btc_decode,
    base58btc_encode,
    decode_multikey,
    decode_private_multikey,
    encode_multikey,
    encode_private_multikey,
    multibase_decode,
    multibase_encode,
)

VECTORS = Path(__file__).parents[1] / "vectors"
KEY_PAIR = json.loads((VECTORS / "vc-di-eddsa_eddsa-rdfc-2022.json").read_text())["keyPair"]
OB = json.loads((VECTORS / "ob-v3p0-impl_eddsa-rdfc-2022.json").read_text())
#: The issuer of the VC-DI-EDDSA employment vector: a P-256 did:key.
P256_MULTIKEY = "zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"


def _raw(public_key: object) -> bytes:
    assert isinstance(public_key, ed25519.Ed25519PublicKey)
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (
            b"The quick brown fox jumps over the lazy dog.",
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        ),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
        (b"\0", "1"),
    ],
)
def test_base58btc_known_values(data: bytes, text: str) -> None:
    assert base58btc_encode(data) == text
    assert base58btc_decode(text) == data


def test_base58btc_rejects_characters_outside_the_alphabet() -> None:
    for bad in ("0", "O", "I", "l", "abc+"):
        with pytest.raises(ValueError, match="base58btc"):
            base58btc_decode(bad)


def test_multibase_round_trips() -> None:
    data = bytes(range(40))
    assert multibase_encode(data).startswith("z")
    assert multibase_decode(multibase_encode(data)) == data
    encoded = multibase_encode(data, "u")
    assert encoded.startswith("u") and "=" not in encoded
    assert multibase_decode(encoded) == data


def test_multibase_rejects_unknown_prefix_and_padding() -> None:
    with pytest.raises(ValueError, match='prefix "m"'):
        multibase_decode("mAAAA")
    with pytest.raises(ValueError, match="padded"):
        multibase_decode("uAA==")
    with pytest.raises(ValueError):
        multibase_decode("")
    with pytest.raises(ValueError):
        multibase_encode(b"x", "f")


def test_spec_key_pair_decodes_and_reencodes() -> None:
    private = decode_private_multikey(KEY_PAIR["privateKeyMultibase"])
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert encode_multikey(private.public_key()) == KEY_PAIR["publicKeyMultibase"]
    assert encode_private_multikey(private) == KEY_PAIR["privateKeyMultibase"]
    public = decode_multikey(KEY_PAIR["publicKeyMultibase"])
    assert _raw(public) == _raw(private.public_key())


def test_multikey_headers() -> None:
    data = multibase_decode(KEY_PAIR["publicKeyMultibase"])
    assert data[:2] == ED25519_PUB == bytes.fromhex("ed01")
    assert multibase_decode(KEY_PAIR["privateKeyMultibase"])[:2] == ED25519_PRIV
    assert multibase_decode(P256_MULTIKEY)[:2] == P256_PUB == bytes.fromhex("8024")


def test_ed25519_multikey_starts_z6mk() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    encoded = encode_multikey(key)
    assert encoded.startswith("z6Mk")
    assert _raw(decode_multikey(encoded)) == _raw(key)


def test_ob_guide_key_in_both_secret_forms() -> None:
    """The OB 3.0 guide publishes ed25519-priv + 64 bytes (seed || public key)."""
    private = decode_private_multikey(OB["secretKeyMultibase"])
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert _raw(private.public_key()).hex() == OB["publicKeyHex"]
    assert encode_multikey(private.public_key()) == OB["publicKeyMultibase"]


def test_secret_key_with_foreign_public_half_is_rejected() -> None:
    seed = bytes(32)
    other = _raw(ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(ValueError, match="public half"):
        decode_private_multikey(multibase_encode(ED25519_PRIV + seed + other))


def test_p256_multikey_round_trip_and_spec_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    encoded = encode_multikey(key.public_key())
    assert encoded.startswith("zDn")
    decoded = decode_multikey(encoded)
    assert isinstance(decoded, ec.EllipticCurvePublicKey)
    assert decoded.public_numbers() == key.public_key().public_numbers()
    spec_key = decode_multikey(P256_MULTIKEY)
    assert isinstance(spec_key, ec.EllipticCurvePublicKey)
    assert encode_multikey(spec_key) == P256_MULTIKEY
    secret = encode_private_multikey(key)
    restored = decode_private_multikey(secret)
    assert isinstance(restored, ec.EllipticCurvePrivateKey)
    assert restored.private_numbers() == key.private_numbers()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (multibase_encode(bytes.fromhex("e701") + bytes(33)), "unsupported Multikey header 0xe701"),
        (multibase_encode(bytes.fromhex("1200") + bytes(48)), "unsupported Multikey header"),
        (multibase_encode(ED25519_PUB + bytes(31)), "32 key bytes"),
        (multibase_encode(P256_PUB + b"\x04" + bytes(64)), "compressed"),
        (multibase_encode(ED25519_PUB + bytes(32), "u"), "base58btc"),
        ("6Mk", "base58btc"),
    ],
)
def test_decode_multikey_rejects(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_multikey(value)


def test_encode_multikey_rejects_other_curves() -> None:
    with pytest.raises(ValueError, match="no Multikey encoding"):
        encode_multikey(ec.generate_private_key(ec.SECP384R1()).public_key())


def test_private_key_errors_do_not_echo_the_key() -> None:
    secret = KEY_PAIR["privateKeyMultibase"]
    for bad in (secret[:-1] + "0", "z" + base58btc_encode(b"\x13\x00" + bytes(32)), secret[1:]):
        with pytest.raises(ValueError) as info:
            decode_private_multikey(bad)
        assert secret[1:8] not in str(info.value)
        assert bad[1:8] not in str(info.value)
