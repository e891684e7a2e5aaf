"""Baking and extracting credentials in PNG and SVG badge images (OB 3.0 §5.3)."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image

from app.core.vc.baking import (
    OB_NAMESPACE,
    BakingError,
    bake_png,
    bake_svg,
    png_chunks,
    unbake,
    unbake_png,
    unbake_svg,
)

CREDENTIAL = json.dumps({"id": "urn:uuid:1", "name": "Ünïcode ]]> badge", "proof": {}})
JSON_TEXT = json.dumps({"id": "urn:uuid:2", "type": ["VerifiableCredential"]})
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZSJ9.c2lnbmF0dXJl"


def _png(mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (23, 17))
    image.putdata([(x * 11 % 256, x * 7 % 256, x % 256, 200)[: len(mode)] for x in range(23 * 17)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, image.tobytes()


@pytest.mark.parametrize("text", [CREDENTIAL, JWS])
def test_png_round_trip_keeps_every_pixel(text: str) -> None:
    original = _png()
    baked = bake_png(original, text)
    assert unbake(baked) == unbake_png(baked) == text
    assert _pixels(baked) == _pixels(original)
    # Every original chunk is there byte for byte; the new one sits just before IEND.
    kinds = [kind for kind, _ in png_chunks(baked)]
    assert kinds[-2:] == [b"iTXt", b"IEND"]
    assert [c for c in png_chunks(baked) if c[0] != b"iTXt"] == png_chunks(original)


def test_png_itxt_chunk_is_uncompressed_with_empty_language_and_translation() -> None:
    baked = bake_png(_png(), CREDENTIAL)
    (body,) = [body for kind, body in png_chunks(baked) if kind == b"iTXt"]
    assert body == b"openbadgecredential\x00\x00\x00\x00\x00" + CREDENTIAL.encode("utf-8")


def test_png_rebake_replaces_the_credential() -> None:
    twice = bake_png(bake_png(_png(), CREDENTIAL), JWS)
    assert [kind for kind, _ in png_chunks(twice)].count(b"iTXt") == 1
    assert unbake(twice) == JWS


def test_png_compressed_chunk_is_read_and_damage_is_refused() -> None:
    body = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(JWS.encode())
    chunk = (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    )
    original = _png()
    iend = original.rindex(b"IEND") - 4
    assert unbake(original[:iend] + chunk + original[iend:]) == JWS
    with pytest.raises(BakingError, match="no openbadgecredential"):
        unbake(original)
    damaged = bytearray(bake_png(original, JWS))
    damaged[-20] ^= 0xFF
    with pytest.raises(BakingError):
        unbake(bytes(damaged))
    with pytest.raises(BakingError, match="PNG or SVG"):
        unbake(b"GIF89a....")


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">\n'
    b'  <circle cx="256" cy="256" r="200" fill="#123456"/>\n</svg>\n'
)


def test_svg_json_goes_in_cdata_and_jws_in_verify() -> None:
    baked = bake_svg(SVG, CREDENTIAL).decode()
    assert f'xmlns:openbadges="{OB_NAMESPACE}"' in baked
    # Directly after the <svg> start tag (§5.3.2), the rest of the image unchanged.
    assert 'v3p0"><openbadges:credential><![CDATA[' in baked
    assert baked.endswith('<circle cx="256" cy="256" r="200" fill="#123456"/>\n</svg>\n')
    assert unbake(baked.encode()) == CREDENTIAL  # a "]]>" in the JSON survives
    jws = bake_svg(baked.encode(), JWS).decode()
    assert f'<openbadges:credential verify="{JWS}"/>' in jws
    assert jws.count("openbadges:credential") == 1  # the earlier one is replaced
    assert unbake(jws.encode()) == JWS


def test_svg_spec_example_and_any_prefix_are_read() -> None:
    """OB 3.0 §5.3.2's example of a baked SVG with a VC-JWT, then another prefix."""
    spec = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg"\n'
        f'  xmlns:openbadges="{OB_NAMESPACE}"\n'
        '  viewBox="0 0 512 512">\n'
        '  <openbadges:credential verify="header.payload.signature"></openbadges:credential>\n'
        "  <!-- rest-of-image -->\n</svg>"
    )
    assert unbake_svg(spec.encode()) == "header.payload.signature"
    other = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="{OB_NAMESPACE}">'
        f"<ob:credential>\n  <![CDATA[ {JSON_TEXT} ]]>\n</ob:credential></svg>"
    )
    assert json.loads(unbake_svg(other.encode())) == json.loads(JSON_TEXT)
    wrong_ns = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="https://x"><o:credential/></svg>'
    with pytest.raises(BakingError, match="no <credential>"):
        unbake_svg(wrong_ns.encode())


def test_svg_entities_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>'
    )
    with pytest.raises(BakingError, match="entities"):
        unbake(bomb)
    with pytest.raises(BakingError, match="well-formed"):
        unbake(b"<svg><unclosed></svg>")
