"""Per-organization themes: ``templates/themes/<org-slug>/theme.json`` plus optional templates.

A theme names a logo, colours, font stacks and a default signatory block. Colours are checked
against WCAG 2.2 AA (SC 1.4.3, contrast ratio of at least 4.5:1 for text): a theme colour that
would fail is replaced by the default and logged, so a badly chosen colour can never make a
certificate unreadable. Templates in the theme folder override the defaults one Jinja block at a
time (``{% extends layout %}``, see templates/themes/README.md).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.web.urls import allowed_url

log = logging.getLogger("laurel.web")

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: Font stacks go into a <style> element: letters, digits, spaces, commas, quotes, hyphens only.
_FONT_STACK = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")
#: A theme folder is named after its organization's slug (app/models/organization.py).
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_ASSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(?:svg|png|jpg|jpeg|webp)$")
AA_TEXT = 4.5

#: Which colour pairs must pass AA: (foreground, background).
_TEXT_PAIRS = (
    ("text", "background"),
    ("muted", "background"),
    ("primary", "background"),
    ("on_primary", "primary"),
    ("text", "paper"),
    ("primary", "paper"),
    ("muted", "paper"),
)


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str = ""
    image: str | None = None  # URL of a signature image (transparent PNG or SVG)
    image_alt: str = ""


@dataclass(frozen=True)
class Colors:
    primary: str = "#1f3a5f"  # headings, seal, buttons
    on_primary: str = "#ffffff"  # text on primary (buttons)
    accent: str = "#b08d3c"  # decorative rules and frame (never text)
    text: str = "#1b1f24"
    muted: str = "#4a5560"
    background: str = "#f3f1ec"  # the page around the certificate
    paper: str = "#fffdf8"  # the certificate itself


@dataclass(frozen=True)
class Fonts:
    heading: str = "Georgia, 'Times New Roman', 'DejaVu Serif', serif"
    body: str = "'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"


@dataclass(frozen=True)
class Theme:
    slug: str | None = None  # None: the default theme
    logo: str | None = None  # an absolute URL, or themes/<slug>/<file> (see ``asset_url``)
    logo_alt: str = ""
    colors: Colors = field(default_factory=Colors)
    fonts: Fonts = field(default_factory=Fonts)
    signatories: tuple[Signatory, ...] = ()
    #: Shown under the title of every certificate of this organization, e.g. a motto.
    tagline: str | None = None
    #: Certificate titles per layout; the templates have defaults.
    titles: dict[str, str] = field(default_factory=dict)
    #: The same per language code ("es", "fr", "ar"), over ``titles`` for readers of it.
    titles_i18n: dict[str, dict[str, str]] = field(default_factory=dict)
    version: str = "default"  # changes when the theme files change (cache keys)
    #: LinkedIn company id for "Add to profile" when the organization's settings name none.
    linkedin_organization_id: str | None = None


DEFAULT_THEME = Theme()


def asset_url(url: str | None, root: str) -> str | None:
    """An image's URL as seen from a page, if a page may show it (``allowed_url``): ``root``
    leads from the page to the app root (e.g. "../" from /credentials/{uuid}) for a theme's
    own files (themes/<slug>/<file>), so the app also works under a path prefix."""
    url = allowed_url(url, "image")
    if not url:
        return None
    if url.lower().startswith(("https:", "http:", "data:", "/")):
        return url
    return root + url


def relative_luminance(color: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB hex colour."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.2 contrast ratio, 1 to 21."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_failures(colors: Colors) -> list[tuple[str, str, float]]:
    out = []
    for fg, bg in _TEXT_PAIRS:
        ratio = contrast_ratio(getattr(colors, fg), getattr(colors, bg))
        if ratio < AA_TEXT:
            out.append((fg, bg, ratio))
    return out


class ThemeRegistry:
    """Reads themes from disk, re-reading a theme when its theme.json changes."""

    def __init__(self, themes_dir: Path) -> None:
        self.themes_dir = themes_dir
        self._cache: dict[str, tuple[float, Theme]] = {}

    def for_org(self, slug: str | None) -> Theme:
        if not slug or not _SLUG.match(slug):
            return DEFAULT_THEME
        path = self.themes_dir / slug / "theme.json"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return DEFAULT_THEME if not (self.themes_dir / slug).is_dir() else self._bare(slug)
        cached = self._cache.get(slug)
        if cached and cached[0] == mtime:
            return cached[1]
        theme = self._load(slug, path, mtime)
        self._cache[slug] = (mtime, theme)
        return theme

    def asset_path(self, slug: str, name: str) -> Path | None:
        """A theme's image file, or None: a plain image name in a folder named like a slug,
        and the file, symlinks followed, must still be inside that folder (no "..", no
        "%2e%2e", no link out of the theme)."""
        if not _SLUG.match(slug) or not _ASSET.match(name):
            return None
        folder = self.themes_dir.resolve() / slug
        path = (folder / name).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return None
        return path

    def _bare(self, slug: str) -> Theme:
        """A theme folder with templates but no theme.json."""
        return replace(DEFAULT_THEME, slug=slug, version=f"{slug}:bare")

    def _load(self, slug: str, path: Path, mtime: float) -> Theme:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("theme %s: %s is unreadable (%s); using the default theme", slug, path, exc)
            return self._bare(slug)
        if not isinstance(raw, dict):
            log.warning("theme %s: theme.json must be an object; using the default theme", slug)
            return self._bare(slug)
        return parse_theme(slug, raw, version=f"{slug}:{mtime}")


def parse_theme(slug: str, raw: dict[str, Any], version: str = "") -> Theme:
    colors = _colors(slug, raw.get("colors") or {})
    fonts = Fonts(
        heading=_font(slug, "heading", (raw.get("fonts") or {}).get("heading"), Fonts.heading),
        body=_font(slug, "body", (raw.get("fonts") or {}).get("body"), Fonts.body),
    )
    logo = _image_url(slug, raw.get("logo"))
    signatories = tuple(
        Signatory(
            name=str(s["name"]),
            title=str(s.get("title", "")),
            image=_image_url(slug, s.get("image")),
            image_alt=str(s.get("image_alt") or f"Signature of {s['name']}"),
        )
        for s in raw.get("signatories") or []
        if isinstance(s, dict) and s.get("name")
    )
    titles = {str(k): str(v) for k, v in (raw.get("titles") or {}).items()}
    found = raw.get("titles_i18n")
    raw_i18n: dict[Any, Any] = found if isinstance(found, dict) else {}
    titles_i18n = {
        str(code): {str(k): str(v) for k, v in words.items()}
        for code, words in raw_i18n.items()
        if isinstance(words, dict)
    }
    return Theme(
        slug=slug,
        logo=logo,
        logo_alt=str(raw.get("logo_alt") or ""),
        colors=colors,
        fonts=fonts,
        signatories=signatories,
        tagline=raw.get("tagline") if isinstance(raw.get("tagline"), str) else None,
        titles=titles,
        titles_i18n=titles_i18n,
        version=version or slug,
        linkedin_organization_id=_linkedin_id(slug, raw.get("linkedin_organization_id")),
    )


def _linkedin_id(slug: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and re.fullmatch(r"[0-9]{1,20}", str(value)):
        return str(value)
    log.warning("theme %s: linkedin_organization_id=%r is not a number; ignored", slug, value)
    return None


def _image_url(slug: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if value.startswith(("https://", "http://", "/")):
        return allowed_url(value, "image") or None
    return f"themes/{slug}/{value}" if _ASSET.match(value) else None


def _colors(slug: str, raw: dict[str, Any]) -> Colors:
    defaults = Colors()
    chosen: dict[str, str] = {}
    for name in defaults.__dataclass_fields__:
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, str) and _HEX.match(value):
            chosen[name] = value.lower()
        else:
            log.warning("theme %s: colour %s=%r is not #rgb or #rrggbb; ignored", slug, name, value)
    colors = replace(defaults, **chosen)
    for fg, bg, ratio in contrast_failures(colors):
        # Fall back on the pair's default for the theme's own colour (foreground first).
        culprit = fg if fg in chosen else bg
        log.warning(
            "theme %s: %s on %s has contrast %.2f:1, below WCAG AA 4.5:1; using the default %s",
            slug,
            fg,
            bg,
            ratio,
            culprit,
        )
        chosen.pop(culprit, None)
        colors = replace(defaults, **chosen)
    return colors if not contrast_failures(colors) else defaults


def _font(slug: str, role: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, str) and _FONT_STACK.match(value):
        return value
    log.warning("theme %s: font %s=%r is not a plain font stack; ignored", slug, role, value)
    return default
