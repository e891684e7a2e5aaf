"""The social preview image (Open Graph / Twitter card): 1200x630 PNG per credential.

Drawn with Pillow from the certificate's text, the theme's colours, logo and wording, in the
reader's language (callers cache the bytes per credential, status, theme and language).

- Fonts: a chain per style (Noto for Latin, Arabic, Hebrew and CJK, from Debian's
  fonts-noto-core and fonts-noto-cjk; then DejaVu/Liberation; then Pillow's own font). Each
  character is drawn with the first font of the chain that has a glyph for it, so a Japanese
  or Arabic name is never a row of empty boxes when the fonts are installed; without them the
  image degrades to what is there.
- Right-to-left: runs of Arabic or Hebrew are shaped and ordered by libraqm (Pillow's RAQM
  layout, when present); a line whose first strong character is right-to-left is laid out
  from the right, and an Arabic page mirrors the whole card.
- Layout from the bottom up: the footer, then the name, then "Awarded to" are placed from the
  bottom of the frame; the title gets what is left between the heading word and them, at the
  largest size that fits, wrapped and cut with an ellipsis when it must. Nothing overlaps,
  whatever the lengths: ``layout`` returns every element's measured box (tests check them).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from app.web.certificate import CertificateView
from app.web.i18n import current, format_date
from app.web.i18n import gettext as _
from app.web.themes import Theme

WIDTH, HEIGHT = 1200, 630
#: Inside the double frame: nothing is drawn beyond these.
INNER = (60, 52, WIDTH - 60, HEIGHT - 52)
#: og:title and twitter:title: most platforms cut near 70 characters.
TITLE_LIMIT = 70

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/dejavu"),
)
#: Per style, the chain of font files (first found wins per character). ``.ttc`` entries
#: name the face index: Noto CJK's collections start with the Japanese face, which covers
#: the Han, kana and Hangul used in names.
_CHAINS: dict[str, tuple[str, ...]] = {
    "serif-bold": (
        "NotoSerif-Bold.ttf",
        "NotoNaskhArabic-Bold.ttf",
        "NotoSerifHebrew-Bold.ttf",
        "NotoSerifCJK-Bold.ttc",
        "NotoSansCJK-Bold.ttc",
        "DejaVuSerif-Bold.ttf",
        "LiberationSerif-Bold.ttf",
        "DejaVuSans-Bold.ttf",
    ),
    "sans": (
        "NotoSans-Regular.ttf",
        "NotoSansArabic-Regular.ttf",
        "NotoSansHebrew-Regular.ttf",
        "NotoSansCJK-Regular.ttc",
        "DejaVuSans.ttf",
        "LiberationSans-Regular.ttf",
    ),
    "sans-bold": (
        "NotoSans-Bold.ttf",
        "NotoSansArabic-Bold.ttf",
        "NotoSansHebrew-Bold.ttf",
        "NotoSansCJK-Bold.ttc",
        "DejaVuSans-Bold.ttf",
        "LiberationSans-Bold.ttf",
    ),
}
RAQM = features.check("raqm")
_LAYOUT = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=64)
def _file(name: str) -> Path | None:
    for directory in _FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    return None


@lru_cache(maxsize=128)
def chain(kind: str, size: int) -> tuple[Font, ...]:
    """The fonts of a style at a size, in fallback order (Pillow's font last: always there)."""
    fonts: list[Font] = []
    for name in _CHAINS[kind]:
        path = _file(name)
        if path is not None:
            fonts.append(ImageFont.truetype(str(path), size, index=0, layout_engine=_LAYOUT))
    fonts.append(ImageFont.load_default(size=size))
    return tuple(fonts)


@lru_cache(maxsize=4096)
def _has_glyph(font: Font, char: str) -> bool:
    """Whether ``font`` draws ``char`` as itself rather than its "missing glyph" box."""
    if not isinstance(font, ImageFont.FreeTypeFont):
        return char.isascii()
    mask = font.getmask(char)
    if mask.getbbox() is None:  # blank: a space, or a glyph the font leaves empty
        return unicodedata.category(char).startswith("Z")
    missing = font.getmask("\U0010fffd")  # a private-use code point: the "missing" glyph
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def _font(kind: str, size: int) -> Font:
    """The first font of a style's chain (the badge image's lettering, app/web/badge.py)."""
    return chain(kind, size)[0]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, lines: int) -> list[str]:
    return wrap(text, (font,), width, lines)[0]


def font_for(char: str, fonts: tuple[Font, ...]) -> Font:
    for font in fonts:
        if _has_glyph(font, char):
            return font
    return fonts[0]


def _strong_rtl(char: str, rtl_paragraph: bool | None = None) -> bool | None:
    """True for right-to-left letters, False for left-to-right ones, None for neutrals.
    European digits read left to right in a left-to-right paragraph ("3 مايو 2026" in an
    English sentence keeps its numbers where an English reader expects them)."""
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return True
    if kind == "L" or (kind == "EN" and rtl_paragraph is False):
        return False
    return None


def is_rtl(text: str) -> bool:
    """The direction of a paragraph: its first strong character's (UAX #9, P2-P3)."""
    for char in text:
        strong = _strong_rtl(char)
        if strong is not None:
            return strong
    return False


@dataclass
class Run:
    text: str
    font: Font
    rtl: bool


def runs(text: str, fonts: tuple[Font, ...], rtl_paragraph: bool | None = None) -> list[Run]:
    """``text`` cut where the font or the direction changes; neutral characters (spaces,
    punctuation, digits) stay with the run they follow, so a name keeps its spaces."""
    out: list[Run] = []
    for char in text:
        font = font_for(char, fonts)
        strong = _strong_rtl(char, rtl_paragraph)
        if (
            out
            and (strong is None or strong == out[-1].rtl)
            and (font is out[-1].font or (strong is None and _has_glyph(out[-1].font, char)))
        ):
            out[-1].text += char
            continue
        rtl = strong if strong is not None else (out[-1].rtl if out else False)
        out.append(Run(char, font, rtl))
    if rtl_paragraph is None:
        return out
    # Spaces at the edges of a run against the paragraph's direction belong to the
    # paragraph (UAX #9 N1-N2): "on 3 مايو 2026" keeps a space on each side of the word.
    spaced: list[Run] = []
    for run in out:
        if run.rtl == rtl_paragraph or not run.text.strip():
            spaced.append(run)
            continue
        body = run.text.strip(" ")
        lead, trail = (
            run.text[: len(run.text) - len(run.text.lstrip(" "))],
            run.text[len(run.text.rstrip(" ")) :],
        )
        if lead:
            spaced.append(Run(lead, run.font, rtl_paragraph))
        spaced.append(Run(body, run.font, run.rtl))
        if trail:
            spaced.append(Run(trail, run.font, rtl_paragraph))
    return spaced


def _draw_kwargs(run: Run) -> dict[str, Any]:
    if not RAQM:
        return {}
    return {"direction": "rtl" if run.rtl else "ltr"}


def run_width(run: Run) -> float:
    return float(run.font.getlength(run.text, **_draw_kwargs(run)))


def text_width(text: str, fonts: tuple[Font, ...]) -> float:
    return sum(run_width(r) for r in runs(text, fonts))


def _visual(line_runs: list[Run], rtl_paragraph: bool) -> list[Run]:
    """Runs in the order they appear from left to right: a right-to-left paragraph reverses
    the sequence (each run keeps its own order; libraqm orders the letters inside it)."""
    return list(reversed(line_runs)) if rtl_paragraph else line_runs


# -- wrapping ---------------------------------------------------------------------------------


def _tokens(text: str) -> Iterator[str]:
    """Break opportunities: after spaces, and between ideographs (CJK has no spaces)."""
    word = ""
    for char in text:
        if char.isspace():
            if word:
                yield word
            word = ""
            yield " "
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                yield word
            word = ""
            yield char
        else:
            word += char
    if word:
        yield word


def _ellipsis(line: str, fonts: tuple[Font, ...], width: float) -> str:
    while line and text_width(line + "…", fonts) > width:
        line = line[:-1]
    return line.rstrip() + "…"


def wrap(
    text: str, fonts: tuple[Font, ...], width: float, max_lines: int
) -> tuple[list[str], bool]:
    """Lines of at most ``width`` pixels, at most ``max_lines`` of them; True if it all fit."""
    lines: list[str] = []
    current = ""
    tokens = list(_tokens(" ".join(text.split())))
    for index, token in enumerate(tokens):
        candidate = current + token
        if text_width(candidate.strip(), fonts) <= width or not current.strip():
            if text_width(candidate.strip(), fonts) > width:  # one token wider than the line
                lines.append(_ellipsis(candidate.strip(), fonts, width))
                current = ""
                if len(lines) == max_lines:
                    return lines, index == len(tokens) - 1
                continue
            current = candidate
            continue
        lines.append(current.strip())
        if len(lines) == max_lines:
            lines[-1] = _ellipsis(lines[-1], fonts, width)
            return lines, False
        current = "" if token == " " else token
    if current.strip():
        lines.append(current.strip())
    return lines, True


# -- layout -----------------------------------------------------------------------------------


@dataclass
class Box:
    """One element of the card and the pixels it covers (measured from the drawn text)."""

    name: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


@dataclass
class Line:
    text: str
    kind: str
    size: int
    x: float  # the left edge, or the right edge when ``align_right``
    y: float  # top
    color: str
    rtl: bool  # the line's own direction: the order of its runs
    align_right: bool = False  # the card's direction: a mirrored (Arabic) card aligns right


@dataclass
class Card:
    rtl: bool  # the page language's direction: the card is mirrored
    lines: list[Line] = field(default_factory=list)
    seal: Box = field(default_factory=lambda: Box("seal", 0, 0, 0, 0))
    logo: Box | None = None


def _line_height(kind: str, size: int) -> int:
    return int(size * (1.45 if kind != "serif-bold" else 1.3))


@dataclass(frozen=True)
class CardText:
    """What the card says, already in the reader's language."""

    organization: str
    heading: str
    title: str
    awarded_to: str | None
    name: str | None
    footer: str


def card_text(view: CertificateView, theme: Theme, heading: str | None = None) -> CardText:
    layout = "program" if view.is_program else "course"
    default = _("Program certificate") if view.is_program else _("Certificate of achievement")
    day = format_date(view.awarded) if view.awarded else ""
    return CardText(
        organization=view.issuer_name,
        heading=heading
        or theme.titles_i18n.get(current().code, {}).get(layout)
        or theme.titles.get(layout)
        or default,
        title=view.title,
        awarded_to=_("Awarded to") if view.learner_name else None,
        name=view.learner_name or None,
        footer=_("Awarded on %(date)s", date=day) if day else "",
    )


def layout(text: CardText, *, logo_size: tuple[int, int] | None = None) -> Card:
    """Where everything goes, from the bottom of the frame up (see the module docstring)."""
    rtl = current().dir == "rtl"
    card = Card(rtl=rtl)
    left, top, right, bottom = INNER
    left, right = left + 4, right - 4  # ink may reach a pixel or two past a glyph's advance
    seal_r = 92
    seal_cx = left + 110 if rtl else right - 110
    card.seal = Box("seal", seal_cx - seal_r, 220, seal_cx + seal_r, 220 + 2 * seal_r + 110)
    column = (left + 250, right) if rtl else (left, right - 250)
    width = column[1] - column[0]

    def place(kind: str, size: int, y: float, value: str, color: str) -> Line:
        line_rtl = is_rtl(value) if value.strip() else rtl
        x = column[1] if rtl else column[0]
        line = Line(value, kind, size, x, y, color, line_rtl, align_right=rtl)
        card.lines.append(line)
        return line

    # Top: the logo (or the organization's name), then the heading word.
    y = top + 8
    if logo_size is not None:
        w, h = logo_size
        x0 = right - w if rtl else left
        card.logo = Box("logo", x0, y, x0 + w, y + h)
        y += h + 18
    else:
        org = _fit_one(text.organization, "sans-bold", (40, 34, 28), right - left - 250)
        place("sans-bold", org[1], y, org[0], "primary")
        y += _line_height("sans-bold", org[1]) + 10
    place("sans-bold", 26, y, text.heading.upper() if not rtl else text.heading, "muted")
    title_top = y + _line_height("sans-bold", 26) + 6

    # Bottom up: footer, name, "Awarded to".
    y = bottom - 8
    if text.footer:
        y -= _line_height("sans", 26)
        place("sans", 26, y, text.footer, "muted")
        y -= 18
    if text.name:
        name, size = _fit_one(text.name, "sans-bold", (46, 40, 34, 30), width)
        y -= _line_height("sans-bold", size)
        place("sans-bold", size, y, name, "text")
        y -= 2
        if text.awarded_to:
            y -= _line_height("sans", 26)
            place("sans", 26, y, text.awarded_to, "muted")
        y -= 22

    # The title: the largest size whose lines fit between the heading and what is below.
    space = y - title_top
    lines, size = _fit_block(text.title, space, width)
    ty = title_top
    for value in lines:
        place("serif-bold", size, ty, value, "primary")
        ty += _line_height("serif-bold", size)
    return card


def _fit_one(text: str, kind: str, sizes: tuple[int, ...], width: float) -> tuple[str, int]:
    for size in sizes:
        if text_width(text, chain(kind, size)) <= width:
            return text, size
    fonts = chain(kind, sizes[-1])
    return _ellipsis(text, fonts, width), sizes[-1]


def _fit_block(text: str, height: float, width: float) -> tuple[list[str], int]:
    """Up to three lines at the largest size that holds the whole title; a title too long
    even at the smallest size is cut with an ellipsis (the page has it whole)."""
    sizes = (68, 60, 54, 48, 42, 38)
    for size in sizes:
        max_lines = min(3, int(height // _line_height("serif-bold", size)))
        if max_lines < 1:
            continue
        lines, complete = wrap(text, chain("serif-bold", size), width, max_lines)
        if complete:
            return lines, size
    size = sizes[-1]
    max_lines = max(1, min(3, int(height // _line_height("serif-bold", size))))
    return wrap(text, chain("serif-bold", size), width, max_lines)[0], size


# -- drawing ----------------------------------------------------------------------------------


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def draw_line(draw: ImageDraw.ImageDraw, line: Line, fill: tuple[int, int, int]) -> Box:
    """Draws one line run by run and returns the box of the ink it put down."""
    fonts = chain(line.kind, line.size)
    parts = _visual(runs(line.text, fonts, line.rtl), line.rtl)
    total = sum(run_width(r) for r in parts)
    x = line.x - total if line.align_right else line.x
    baseline = line.y + line.size * 1.05  # one baseline for every font of the line
    box = Box(line.text, x, line.y, x + total, line.y + 1)
    for run in parts:
        kwargs = _draw_kwargs(run)
        draw.text((x, baseline), run.text, font=run.font, fill=fill, anchor="ls", **kwargs)
        ink = draw.textbbox((x, baseline), run.text, font=run.font, anchor="ls", **kwargs)
        box.x0, box.y0 = min(box.x0, ink[0]), min(box.y0, ink[1])
        box.x1, box.y1 = max(box.x1, ink[2]), max(box.y1, ink[3])
        x += run_width(run)
    return box


def _logo(path: Path | None) -> Image.Image | None:
    """The theme's raster logo scaled to at most 300x64 (SVG is not drawn: see themes)."""
    if path is None:
        return None
    try:
        with Image.open(path) as opened:
            logo = opened.convert("RGBA")
    except (OSError, ValueError):
        return None
    logo.thumbnail((300, 64))
    return logo


def _seal(
    draw: ImageDraw.ImageDraw, seal: Box, accent: tuple[int, int, int], paper: tuple[int, int, int]
) -> None:
    cx, r = (seal.x0 + seal.x1) / 2, (seal.x1 - seal.x0) / 2
    cy = seal.y0 + r
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent)
    draw.ellipse((cx - r + 12, cy - r + 12, cx + r - 12, cy + r - 12), outline=paper, width=4)
    for side in (-1, 1):
        draw.polygon(
            [
                (cx + side * 50, cy + 70),
                (cx + side * 80, cy + 170),
                (cx + side * 45, cy + 150),
                (cx + side * 20, cy + 185),
                (cx, cy + 85),
            ],
            fill=accent,
        )
    draw.line(
        (cx - 32, cy + 2, cx - 8, cy + 28, cx + 36, cy - 24), fill=paper, width=14, joint="curve"
    )


def render(
    text: CardText, theme: Theme, status: str = "active", logo_path: Path | None = None
) -> tuple[bytes, list[Box]]:
    """The PNG and the boxes of what was drawn (for tests: nothing overlaps)."""
    colors = theme.colors
    palette = {
        "primary": _rgb(colors.primary),
        "text": _rgb(colors.text),
        "muted": _rgb(colors.muted),
    }
    accent, paper = _rgb(colors.accent), _rgb(colors.paper)
    image = Image.new("RGB", (WIDTH, HEIGHT), paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=accent, width=14)
    draw.rectangle((28, 28, WIDTH - 29, HEIGHT - 29), outline=accent, width=2)
    logo = _logo(logo_path)
    card = layout(text, logo_size=logo.size if logo else None)
    boxes: list[Box] = []
    if logo is not None and card.logo is not None:
        image.paste(logo, (int(card.logo.x0), int(card.logo.y0)), logo)
        boxes.append(card.logo)
    _seal(draw, card.seal, accent, paper)
    boxes.append(card.seal)
    for line in card.lines:
        boxes.append(draw_line(draw, line, palette[line.color]))
    if status != "active":
        band = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
        overlay = ImageDraw.Draw(band)
        # Red alarm for revoked or suspended; an expired credential is genuine, so its band is
        # the page's neutral slate grey (#4a5560, as .seal--expired), not an alarm (r15 7).
        fill = BAND_COLOURS.get(status, BAND_COLOURS["revoked"])
        overlay.rectangle((0, HEIGHT // 2 - 50, WIDTH, HEIGHT // 2 + 50), fill=fill)
        label = {"revoked": _("Revoked"), "suspended": _("Suspended"), "expired": _("Expired")}
        word = label.get(status, status)
        word = word if current().dir == "rtl" else word.upper()
        left = (WIDTH - text_width(word, chain("sans-bold", 64))) / 2
        centre = Line(word, "sans-bold", 64, left, HEIGHT // 2 - 40, "text", is_rtl(word))
        draw_line(overlay, centre, (255, 255, 255))
        image = Image.alpha_composite(image.convert("RGBA"), band).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), boxes


#: The status band's fill (RGBA) on a preview of a credential that is not active.
BAND_COLOURS = {
    "revoked": (150, 20, 20, 235),
    "suspended": (150, 20, 20, 235),
    "expired": (74, 85, 96, 235),
}


def render_preview(
    view: CertificateView,
    theme: Theme,
    status: str = "active",
    *,
    heading: str | None = None,
    logo_path: Path | None = None,
) -> bytes:
    """The card for a certificate, in the request's language."""
    return render(card_text(view, theme, heading), theme, status, logo_path)[0]


def share_title(name: str | None, title: str, limit: int = TITLE_LIMIT) -> str:
    """og:title: the learner's name first ("Ada Lovelace — Data Science Foundations"), cut
    at a word with an ellipsis to at most ``limit`` characters."""
    full = f"{name} — {title}" if name else title
    if len(full) <= limit:
        return full
    cut = full[: limit - 1]
    if " " in cut[len(name or "") :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" —,") + "…"


def logo_file(theme: Theme, asset_path: object) -> Path | None:
    """The theme's logo as a raster file from its own folder: the logo itself when it is
    PNG/JPEG/WebP, else a ``.png`` of the same name next to an SVG logo (Pillow draws no SVG)."""
    if not theme.slug or not theme.logo or "://" in theme.logo:
        return None
    name = theme.logo.rsplit("/", 1)[-1]
    stem, _, suffix = name.rpartition(".")
    candidates = [name] if suffix.lower() in ("png", "jpg", "jpeg", "webp") else [f"{stem}.png"]
    for candidate in candidates:
        found = asset_path(theme.slug, candidate)  # type: ignore[operator]
        if isinstance(found, Path):
            return found
    return None
