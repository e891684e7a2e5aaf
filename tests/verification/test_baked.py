"""Baked badges handed to the verifier (OB 3.0 §5.3): PNG iTXt ``openbadgecredential`` and SVG
``<openbadges:credential>``, JSON or compact JWS, over the API (image body) and the /verify page.

The images are built here byte by byte from the PNG and OB specs, not with the baking module.
"""

from __future__ import annotations

import copy
import json
import struct
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Factory

OB_NS = "https://purl.imsglobal.org/ob/v3p0"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def baked_png(text: str | None) -> bytes:
    """A 1x1 grey PNG; with ``text`` in an uncompressed iTXt chunk (PNG §11.3.4.5)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte 0, one grey pixel
    chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels)
    if text is not None:
        # keyword NUL, compression flag 0, method 0, language "" NUL, translated "" NUL, text
        body = b"openbadgecredential\x00\x00\x00\x00\x00" + text.encode()
        chunks += _chunk(b"iTXt", body)
    return b"\x89PNG\r\n\x1a\n" + chunks + _chunk(b"IEND", b"")


def baked_svg(text: str, *, jws: bool = False, prefix: str = "openbadges") -> bytes:
    """An SVG with the credential: a JWS in ``verify``, JSON in CDATA (OB 3.0 §5.3.2)."""
    if jws:
        element = f'<{prefix}:credential verify="{text}"/>'
    else:
        element = f"<{prefix}:credential><![CDATA[{text}]]></{prefix}:credential>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:{prefix}="{OB_NS}" '
        f'width="10" height="10">{element}<circle cx="5" cy="5" r="4"/></svg>'
    ).encode()


@pytest.fixture
def vc(factory: Factory) -> dict[str, Any]:
    return factory.issue(factory.caller())


@pytest.fixture
def token(factory: Factory, vc: dict[str, Any]) -> str:
    uuid = vc["id"].removeprefix("urn:uuid:")
    answer = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "application/vc+jwt"})
    assert answer.status_code == 200, answer.text
    return answer.text.strip()


def _post_image(client: TestClient, image: bytes, media: str) -> Any:
    return client.post("/credentials/verify", content=image, headers={"Content-Type": media})


def test_baked_png_and_svg_verify_over_the_api(
    app_client: TestClient, vc: dict[str, Any], token: str
) -> None:
    images = [
        (baked_png(json.dumps(vc)), "image/png", "ldp_vc"),
        (baked_png(token), "image/png", "jwt_vc"),
        (baked_svg(json.dumps(vc)), "image/svg+xml", "ldp_vc"),
        (baked_svg(token, jws=True), "image/svg+xml", "jwt_vc"),
        (baked_svg(json.dumps(vc), prefix="ob"), "image/svg+xml; charset=utf-8", "ldp_vc"),
    ]
    for image, media, fmt in images:
        answer = _post_image(app_client, image, media)
        assert answer.status_code == 200, (media, answer.text)
        body = answer.json()
        assert body["verified"] is True and body["results"]["format"] == fmt


def test_a_forged_baked_credential_fails(app_client: TestClient, vc: dict[str, Any]) -> None:
    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["achievement"]["name"] = "Quantum Cryptography"
    answer = _post_image(app_client, baked_png(json.dumps(forged)), "image/png")
    assert answer.status_code == 400
    assert {e["check"]: e["code"] for e in answer.json()["errors"]} == {
        "proof": "PROOF_VERIFICATION_ERROR"
    }


@pytest.mark.parametrize(
    ("image", "media"),
    [
        (baked_png(None), "image/png"),  # no openbadgecredential chunk
        (baked_png("x")[:-6], "image/png"),  # cut short
        (b"not an image", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "image/svg+xml",
        ),
        (baked_png("{not json"), "image/png"),
    ],
)
def test_images_without_a_readable_credential_name_the_body(
    app_client: TestClient, image: bytes, media: str
) -> None:
    answer = _post_image(app_client, image, media)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "body"


def test_the_verify_page_unbakes_an_uploaded_badge(
    app_client: TestClient, vc: dict[str, Any], token: str
) -> None:
    for name, image, media in (
        ("badge.png", baked_png(json.dumps(vc)), "image/png"),
        ("badge.svg", baked_svg(token, jws=True), "image/svg+xml"),
    ):
        files = {"file": (name, image, media)}
        page = app_client.post("/verify", files=files, data={"credential": ""})
        assert page.status_code == 200, page.text
        assert "Signed by its issuer, unchanged since, and not revoked." in page.text

    files = {"file": ("plain.png", baked_png(None), "image/png")}
    page = app_client.post("/verify", files=files, data={"credential": ""})
    assert page.status_code == 422
    assert "openbadgecredential" in page.text


def test_openapi_documents_image_bodies(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    content = spec["paths"]["/credentials/verify"]["post"]["requestBody"]["content"]
    assert {"application/json", "image/png", "image/svg+xml"} <= set(content)
