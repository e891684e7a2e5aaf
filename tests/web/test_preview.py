"""The social preview image: every script drawn with a font that has it (no empty boxes),
right-to-left shaped and mirrored, a layout that never overlaps, og:title name first."""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from app.web import i18n, preview
from app.web.certificate import certificate_view
from app.web.themes import DEFAULT_THEME, ThemeRegistry

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NOTO = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

needs_fonts = pytest.mark.skipif(
    not (NOTO.is_file() and NOTO_CJK.is_file()) and not os.environ.get("CI"),
    reason="Noto fonts not installed (apt-get install fonts-noto-core fonts-noto-cjk); CI has them",
)


@pytest.fixture
def language() -> Iterator[None]:
    yield
    i18n._current.set(None)


def _view(name: str, title: str, issuer: str = "Acme University") -> preview.CertificateView:
    return certificate_view(
        {
            "id": "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "issuer": {"id": "did:web:laurel.test", "name": issuer},
            "validFrom": "2026-05-03T00:00:00Z",
            "name": title,
            "credentialSubject": {"name": name, "achievement": {"name": title}},
        }
    )


def _render(
    name: str, title: str, code: str = "en", theme_slug: str | None = None
) -> tuple[bytes, list[preview.Box]]:
    i18n.use_language(code)
    themes = ThemeRegistry(TEMPLATES / "themes")
    theme = themes.for_org(theme_slug) if theme_slug else DEFAULT_THEME
    text = preview.card_text(_view(name, title), theme)
    return preview.render(text, theme, "active", preview.logo_file(theme, themes.asset_path))


CASES = {
    "latin": ("María-José Fernández", "Data Science Foundations"),
    "cjk": (
        "山田 太郎",
        "データサイエンス入門：統計と機械学習の基礎",  # noqa: RUF001 (a full-width colon)
    ),
    "korean": ("김민준", "데이터 과학 기초"),
    "arabic": ("محمد بن عبد الله", "أساسيات علم البيانات"),
    "hebrew": ("דוד כהן", "יסודות מדעי הנתונים"),
    "long": (
        "Maximiliana Alexandrina von Hohenzollern-Sigmaringen-Wittelsbach de la Tour",
        "Advanced Topics in Distributed Systems, Consensus and Fault Tolerance in Large-Scale "
        "Cloud Infrastructures and Their Applications to Planet-Scale Data Processing Pipelines",
    ),
    "long-cjk": ("欧阳娜娜" * 8, "分布式系统中的共识与容错高级专题" * 6),
}


@needs_fonts
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_character_has_a_glyph(case: str, language: None) -> None:
    name, title = CASES[case]
    for text, kind in ((name, "sans-bold"), (title, "serif-bold")):
        fonts = preview.chain(kind, 40)
        missing = [
            c
            for c in text
            if not c.isspace() and not any(preview._has_glyph(f, c) for f in fonts[:-1])
        ]
        assert not missing, f"{case}: no font for {missing[:5]}"
        for run in preview.runs(text, fonts):
            assert all(c.isspace() or preview._has_glyph(run.font, c) for c in run.text), run.text


@needs_fonts
def test_arabic_is_shaped_by_raqm() -> None:
    """Joined letters: shaped, the word is not its letters' isolated forms side by side."""
    assert preview.RAQM, "Pillow without libraqm: install libfribidi0"
    font = preview.chain("sans-bold", 40)[1]  # Noto Sans Arabic
    word = "محمد"
    shaped = font.getmask(word, direction="rtl")
    basic = ImageFont.truetype(font.path, 40, layout_engine=ImageFont.Layout.BASIC)
    unshaped = basic.getmask(word)
    assert shaped.size != unshaped.size or bytes(shaped) != bytes(unshaped)


@needs_fonts
@pytest.mark.parametrize(("case", "code", "theme"), [
    *((case, "en", None) for case in sorted(CASES)),
    ("arabic", "ar", "northwind"), ("long", "ar", None), ("cjk", "fr", "northwind"),
    ("long", "es", "northwind"),
])  # fmt: skip
def test_layout_never_overlaps(case: str, code: str, theme: str | None, language: None) -> None:
    name, title = CASES[case]
    png, boxes = _render(name, title, code, theme)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"preview-{case}-{code}{'-' + theme if theme else ''}.png").write_bytes(png)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1200, 630)
    left, top, right, bottom = preview.INNER
    for box in boxes:
        assert left <= box.x0 and box.x1 <= right, box
        assert top <= box.y0 and box.y1 <= bottom, box
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    names = [b.name for b in boxes]
    assert any(name[:10] in n for n in names)  # the name is drawn (cut at worst)
    if theme == "northwind":
        assert "logo" in names


@needs_fonts
def test_an_arabic_card_is_mirrored(language: None) -> None:
    _, boxes = _render(*CASES["arabic"], code="ar")
    seal = next(b for b in boxes if b.name == "seal")
    text = [b for b in boxes if b.name != "seal"]
    assert seal.x1 < 600 and all(b.x1 > 1000 for b in text)  # seal left, text flush right
    _, boxes = _render(*CASES["arabic"], code="en")
    seal = next(b for b in boxes if b.name == "seal")
    assert seal.x0 > 600


def test_card_words_follow_the_reader_language(language: None) -> None:
    i18n.use_language("en")
    text = preview.card_text(
        _view("Ada", "Logic"), DEFAULT_THEME, heading="Certificate of achievement"
    )
    assert text.awarded_to == "Awarded to" and text.footer == "Awarded on 3 May 2026"
    assert text.heading == "Certificate of achievement"


@pytest.mark.parametrize(
    ("name", "title", "expected"),
    [
        ("Ada Lovelace", "Data Science Foundations", "Ada Lovelace — Data Science Foundations"),
        (None, "Data Science Foundations", "Data Science Foundations"),
        (
            "María-José Fernández",
            "Advanced Topics in Distributed Systems, Consensus and Fault Tolerance",
            "María-José Fernández — Advanced Topics in Distributed Systems…",
        ),
    ],
)
def test_share_title_puts_the_name_first_within_70(
    name: str | None, title: str, expected: str
) -> None:
    got = preview.share_title(name, title)
    assert got == expected and len(got) <= 70


@pytest.mark.parametrize(("status", "red"), [("expired", False), ("revoked", True)])
def test_expired_band_is_neutral_not_an_alarm(status: str, red: bool, language: None) -> None:
    """r15 7: an expired credential is genuine; its band is slate grey like the page's
    EXPIRED seal, while revoked keeps the red alarm."""
    i18n.use_language("en")
    text = preview.card_text(_view(*CASES["latin"]), DEFAULT_THEME)
    png, _boxes = preview.render(text, DEFAULT_THEME, status, None)
    r, g, b = Image.open(io.BytesIO(png)).convert("RGB").getpixel((8, preview.HEIGHT // 2 - 45))
    assert (r > g + 60 and r > b + 60) is red, (r, g, b)
