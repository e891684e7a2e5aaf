"""Baked badges (OB 3.0 §5.3): ``/credentials/{uuid}/badge.png`` and ``badge.svg``.

The image is the achievement's own when it can be had without the network: a ``data:`` URL
in the credential, or an image of this instance's themes (``{base}/themes/<org>/<file>``).
Anything else (an ``https://`` image elsewhere) is never fetched, at issue time or here: a
badge is drawn instead (Pillow for PNG, plain SVG), with the achievement's name and the
organization's theme colour. A raster image asked for as SVG is wrapped in an ``<image>``
element as a ``data:`` URL, its bytes unchanged; an SVG image asked for as PNG is drawn
(Pillow cannot render SVG). The baking itself is ``app.core.vc.baking``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from PIL import Image, ImageDraw, UnidentifiedImageError

from app.container import Services
from app.core.vc.baking import bake_png, bake_svg
from app.credentials.visibility import public_credential
from app.deps import OptionalLearner, ServicesDep, SessionDep
from app.http.guard import GuardedRoute
from app.issuers.organizations import organization_or_none
from app.models import IssuedCredential
from app.web.certificate import certificate_view
from app.web.context import WebContext
from app.web.preview import _font, _rgb, _wrap
from app.web.themes import Theme
from app.web.viewer import private_if_hidden, viewer_account

router = APIRouter(tags=["credentials"], route_class=GuardedRoute)

SIZE = 512
#: An embedded image larger than this is not used (a badge, not a photo album).
MAX_IMAGE_BYTES = 2_000_000
PNG, SVG = "image/png", "image/svg+xml"
Format = Literal["json", "jwt"]
#: An SVG opened on its own runs no script and loads nothing but inline (data:) images.
BADGE_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _data_url(url: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of a ``data:`` URL (RFC 2397), or None."""
    header, comma, payload = url.partition(",")
    if not comma or not header.lower().startswith("data:"):
        return None
    params = header[5:].split(";")
    media = params[0].strip().lower() or "text/plain"
    try:
        if "base64" in (p.strip().lower() for p in params[1:]):
            data = base64.b64decode(payload, validate=False)
        else:
            data = unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None
    return media, data


def _theme_asset(web: WebContext, base_url: str, url: str) -> tuple[str, bytes] | None:
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = parts.path.removeprefix(base.path.rstrip("/"))
    segments = path.strip("/").split("/")
    if len(segments) != 3 or segments[0] != "themes":
        return None
    found = web.themes.asset_path(segments[1], segments[2])
    if found is None:
        return None
    return (SVG if found.suffix == ".svg" else "image/*"), found.read_bytes()


def achievement_image(credential: dict[str, Any], web: WebContext, base_url: str) -> Any:
    """(media type, bytes) of the achievement image if it is local or inline, else None."""
    subjects = credential.get("credentialSubject")
    subject = subjects[0] if isinstance(subjects, list) and subjects else subjects
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    image = achievement.get("image") if isinstance(achievement, dict) else None
    url = image.get("id") if isinstance(image, dict) else image
    if not isinstance(url, str):
        return None
    found = _data_url(url) if url.startswith("data:") else _theme_asset(web, base_url, url)
    if found is None or len(found[1]) > MAX_IMAGE_BYTES:
        return None
    return found


def _as_png(media: str, data: bytes) -> bytes | None:
    """PNG bytes of a raster image (PNG as is; others re-encoded losslessly), or None."""
    if media == SVG:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def drawn_png(title: str, color: str) -> bytes:
    """A round badge with the achievement's name, for when there is no usable image."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=_rgb(color), outline=(255, 255, 255), width=10)
    font = _font("sans-bold", 40)
    lines = _wrap(draw, title, font, SIZE - 140, 4) or ["Badge"]
    height = 52 * len(lines)
    for index, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        y = (SIZE - height) / 2 + index * 52
        draw.text(((SIZE - width) / 2, y), line, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def drawn_svg(title: str, color: str) -> bytes:
    """The SVG counterpart of ``drawn_png`` (text escaped: it comes from the credential)."""
    words = title.split() or ["Badge"]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) < 18:
            lines[-1] += " " + word
        else:
            lines.append(word)
    lines = lines[:4]
    top = SIZE / 2 - 26 * (len(lines) - 1)
    text = "".join(
        f'<text x="256" y="{top + 52 * i:.0f}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" role="img" aria-label="{escape(title)}">'
        f'<circle cx="256" cy="256" r="243" fill="{escape(color)}" stroke="#fff" '
        'stroke-width="10"/>'
        '<g fill="#fff" font-family="sans-serif" font-weight="bold" font-size="40" '
        f'text-anchor="middle" dominant-baseline="middle">{text}</g></svg>'
    )
    return svg.encode("utf-8")


def _wrapped_raster(png: bytes) -> bytes:
    """An SVG showing a raster image, its bytes untouched in a ``data:`` URL."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    href = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><image width="{width}" height="{height}" '
        f'href="{href}"/></svg>'
    ).encode()


def badge_image(
    credential: dict[str, Any], kind: str, theme: Theme, web: WebContext, base_url: str
) -> bytes:
    """The unbaked image for a badge of ``kind`` (PNG or SVG)."""
    title = certificate_view(credential).title
    found = achievement_image(credential, web, base_url)
    if kind == SVG:
        if found is not None and found[0] == SVG:
            return found[1]
        raster = _as_png(*found) if found is not None else None
        return _wrapped_raster(raster) if raster else drawn_svg(title, theme.colors.primary)
    raster = _as_png(*found) if found is not None else None
    return raster or drawn_png(title, theme.colors.primary)


def _credential_text(services: Services, session: Any, record: IssuedCredential, fmt: str) -> str:
    if fmt == "jwt":
        return services.wallet.jwt_form(session, record)
    return record.document


def _badge(
    uuid: str,
    kind: str,
    fmt: str,
    request: Request,
    session: Any,
    services: Services,
    viewer: int | None = None,
) -> Response:
    record = public_credential(session, uuid, viewer)
    web: WebContext = request.app.state.web
    org = organization_or_none(session, record.org_id)
    theme = web.themes.for_org(org.slug if org else None)
    image = badge_image(json.loads(record.document), kind, theme, web, services.identity.base_url)
    text = _credential_text(services, session, record, fmt)
    baked = bake_png(image, text) if kind == PNG else bake_svg(image, text)
    extension = "png" if kind == PNG else "svg"
    headers = {
        "Cache-Control": "public, max-age=60",
        "Content-Disposition": f'inline; filename="badge-{record.uuid}.{extension}"',
    }
    if kind == SVG:
        headers["Content-Security-Policy"] = BADGE_SVG_CSP
    return private_if_hidden(session, record, Response(baked, media_type=kind, headers=headers))


_FORMAT_HELP = "json: the signed JSON-LD as stored; jwt: its OB 3.0 VC-JWT (compact JWS)"


@router.get(
    "/credentials/{uuid}/badge.png",
    summary="The badge image with the signed credential baked in (OB 3.0 §5.3.1, PNG iTXt)",
    responses={200: {"content": {PNG: {}}}},
)
def badge_png(
    uuid: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    learner: OptionalLearner,
    format: Annotated[Format, Query(description=_FORMAT_HELP)] = "json",
) -> Response:
    return _badge(uuid, PNG, format, request, session, services, viewer_account(learner))


@router.get(
    "/credentials/{uuid}/badge.svg",
    summary="The badge image with the signed credential baked in (OB 3.0 §5.3.2, SVG)",
    responses={200: {"content": {SVG: {}}}},
)
def badge_svg(
    uuid: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    learner: OptionalLearner,
    format: Annotated[Format, Query(description=_FORMAT_HELP)] = "json",
) -> Response:
    return _badge(uuid, SVG, format, request, session, services, viewer_account(learner))
