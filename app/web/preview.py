"""The social preview image (Open Graph / Twitter card): 1200x630 PNG per credential.

Drawn with Pillow from the certificate's text and the organization's theme colours; callers
cache the bytes (an image only changes when the credential's status or the theme changes).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.web.certificate import CertificateView
from app.web.themes import Theme

WIDTH, HEIGHT = 1200, 630
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/dejavu"),
)
_FONT_FILES = {
    "serif-bold": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"),
    "sans": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    "sans-bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def _font(kind: str, size: int) -> Font:
    for directory in _FONT_DIRS:
        for name in _FONT_FILES[kind]:
            path = directory / name
            if path.is_file():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's bundled font: always there


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, lines: int) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word
        if len(out) == lines:
            break
    if current and len(out) < lines:
        out.append(current)
    if len(out) == lines and " ".join(out) != " ".join(words):
        last = out[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def _fit(
    draw: ImageDraw.ImageDraw, text: str, kind: str, sizes: tuple[int, ...], width: int, lines: int
) -> tuple[Font, list[str]]:
    """The largest size at which ``text`` fits in ``lines`` lines."""
    for size in sizes:
        font = _font(kind, size)
        wrapped = _wrap(draw, text, font, width, lines)
        if " ".join(wrapped) == " ".join(text.split()):
            return font, wrapped
    font = _font(kind, sizes[-1])
    return font, _wrap(draw, text, font, width, lines)


def render_preview(view: CertificateView, theme: Theme, status: str = "active") -> bytes:
    colors = theme.colors
    image = Image.new("RGB", (WIDTH, HEIGHT), _rgb(colors.paper))
    draw = ImageDraw.Draw(image)
    primary, accent, text, muted = (
        _rgb(colors.primary),
        _rgb(colors.accent),
        _rgb(colors.text),
        _rgb(colors.muted),
    )
    # Frame and header band.
    draw.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=accent, width=14)
    draw.rectangle((28, 28, WIDTH - 29, HEIGHT - 29), outline=accent, width=2)
    draw.rectangle((28, 28, WIDTH - 29, 118), fill=primary)
    org_font, org_lines = _fit(draw, view.issuer_name, "sans-bold", (40, 34, 28), 1000, 1)
    draw.text(
        (72, 73),
        org_lines[0] if org_lines else "",
        font=org_font,
        fill=_rgb(colors.on_primary),
        anchor="lm",
    )
    # Seal.
    cx, cy, r = WIDTH - 170, 300, 88
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent)
    draw.ellipse(
        (cx - r + 12, cy - r + 12, cx + r - 12, cy + r - 12), outline=_rgb(colors.paper), width=4
    )
    draw.polygon(
        [
            (cx - 50, cy + 70),
            (cx - 80, cy + 170),
            (cx - 45, cy + 150),
            (cx - 20, cy + 185),
            (cx, cy + 85),
        ],
        fill=accent,
    )
    draw.polygon(
        [
            (cx + 50, cy + 70),
            (cx + 80, cy + 170),
            (cx + 45, cy + 150),
            (cx + 20, cy + 185),
            (cx, cy + 85),
        ],
        fill=accent,
    )
    draw.line(
        (cx - 32, cy + 2, cx - 8, cy + 28, cx + 36, cy - 24),
        fill=_rgb(colors.paper),
        width=14,
        joint="curve",
    )
    # Text column.
    left, column = 72, 840
    label = "PROGRAM CERTIFICATE" if view.is_program else "CERTIFICATE"
    draw.text((left, 165), label, font=_font("sans-bold", 26), fill=muted)
    title_font, title_lines = _fit(draw, view.title, "serif-bold", (68, 60, 52, 44), column, 3)
    y = 205
    for line in title_lines:
        draw.text((left, y), line, font=title_font, fill=primary)
        y += int(title_font.size * 1.18) if isinstance(title_font, ImageFont.FreeTypeFont) else 60
    y += 18
    if view.learner_name:
        draw.text((left, y), "Awarded to", font=_font("sans", 28), fill=muted)
        name_font, name_lines = _fit(draw, view.learner_name, "sans-bold", (44, 38, 32), column, 1)
        draw.text((left, y + 38), name_lines[0], font=name_font, fill=text)
    footer = view.awarded_text or ""
    draw.text((left, HEIGHT - 92), footer, font=_font("sans", 28), fill=muted)
    if status != "active":
        band = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
        overlay = ImageDraw.Draw(band)
        overlay.rectangle((0, HEIGHT // 2 - 50, WIDTH, HEIGHT // 2 + 50), fill=(150, 20, 20, 235))
        overlay.text(
            (WIDTH // 2, HEIGHT // 2),
            status.upper(),
            font=_font("sans-bold", 64),
            fill=(255, 255, 255, 255),
            anchor="mm",
        )
        image = Image.alpha_composite(image.convert("RGBA"), band).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
