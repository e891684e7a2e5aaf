"""Baked badges: GET /credentials/{uuid}/badge.png and badge.svg (OB 3.0 §5.3)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from PIL import Image

from app.core.vc.baking import png_chunks, unbake
from tests.factories import Factory
from tests.web.helpers import BROWSER_ACCEPT, named_badge, set_public_from, stored, uuid_of


def _png(color: tuple[int, int, int, int]) -> bytes:
    image = Image.new("RGBA", (64, 48), color)
    image.putpixel((3, 5), (1, 2, 3, 4))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, image.tobytes()


def _with_image(factory: Factory, url: str) -> dict:
    credential = named_badge("Data Wrangling")
    credential["credentialSubject"]["achievement"]["image"] = {"id": url, "type": "Image"}
    return factory.issue(factory.caller(), credential)


def test_png_badge_is_the_achievement_image_carrying_the_credential(
    factory: Factory, session
) -> None:
    image = _png((200, 30, 90, 255))
    vc = _with_image(factory, "data:image/png;base64," + base64.b64encode(image).decode())
    uuid = uuid_of(vc)
    response = factory.client.get(f"/credentials/{uuid}/badge.png")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert _pixels(response.content) == _pixels(image)  # pixel data untouched
    assert [k for k, _ in png_chunks(response.content)].count(b"iTXt") == 1
    text = unbake(response.content)
    assert text == stored(factory.services, uuid).document  # the stored bytes, signed
    assert factory.services.verifier.verify(session, json.loads(text)).verified


def test_svg_badge_bakes_into_the_achievement_svg(factory: Factory, session) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<rect width="10" height="10" fill="#0a0"/></svg>'
    )
    vc = _with_image(factory, "data:image/svg+xml," + quote(svg))
    response = factory.client.get(f"/credentials/{uuid_of(vc)}/badge.svg")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    body = response.content.decode()
    assert '<rect width="10" height="10" fill="#0a0"/></svg>' in body
    assert json.loads(unbake(response.content)) == vc
    # The VC-JWT form goes in the verify attribute and verifies as well.
    jwt_form = factory.client.get(f"/credentials/{uuid_of(vc)}/badge.svg?format=jwt")
    token = unbake(jwt_form.content)
    assert f'verify="{token}"' in jwt_form.text and token.count(".") == 2
    assert factory.services.verifier.verify_jwt(session, token).verified


def test_remote_achievement_images_are_never_fetched_a_badge_is_drawn(
    factory: Factory, session
) -> None:
    """pytest-socket blocks the network: a fetch would fail the request."""
    vc = _with_image(factory, "https://images.example.org/badges/data-wrangling.png")
    uuid = uuid_of(vc)
    png = factory.client.get(f"/credentials/{uuid}/badge.png")
    assert png.status_code == 200, png.text
    with Image.open(io.BytesIO(png.content)) as drawn:
        assert drawn.size == (512, 512)
    assert json.loads(unbake(png.content)) == vc
    svg = factory.client.get(f"/credentials/{uuid}/badge.svg")
    assert "Data Wrangling" in svg.text and json.loads(unbake(svg.content)) == vc
    jwt_png = factory.client.get(f"/credentials/{uuid}/badge.png", params={"format": "jwt"})
    assert factory.services.verifier.verify_jwt(session, unbake(jwt_png.content)).verified


def test_a_raster_image_in_an_svg_badge_keeps_its_bytes(factory: Factory) -> None:
    image = _png((10, 20, 30, 255))
    vc = _with_image(factory, "data:image/png;base64," + base64.b64encode(image).decode())
    svg = factory.client.get(f"/credentials/{uuid_of(vc)}/badge.svg").text
    assert base64.b64encode(image).decode() in svg
    assert json.loads(unbake(svg.encode())) == vc


def test_badges_follow_visibility_and_the_pages_offer_them(factory: Factory) -> None:
    vc = factory.issue(factory.caller(), named_badge())
    uuid = uuid_of(vc)
    page = factory.client.get(f"/credentials/{uuid}", headers={"Accept": BROWSER_ACCEPT})
    assert f"./{uuid}/badge.png" in page.text and f"./{uuid}/badge.svg" in page.text
    assert (
        factory.client.get(
            "/credentials/00000000-0000-4000-8000-000000000000/badge.png"
        ).status_code
        == 404
    )
    set_public_from(factory.services, uuid, datetime.now(UTC) + timedelta(days=3))
    assert factory.client.get(f"/credentials/{uuid}/badge.png").status_code == 404
    assert factory.client.get(f"/credentials/{uuid}/badge.svg").status_code == 404
    bad = factory.client.get(f"/credentials/{uuid}/badge.png", params={"format": "gif"})
    assert bad.status_code in (400, 422)
