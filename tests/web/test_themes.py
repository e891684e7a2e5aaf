"""Organization themes: WCAG AA colours, safe values, block overrides, theme assets."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.web.themes import (
    DEFAULT_THEME,
    Colors,
    ThemeRegistry,
    contrast_failures,
    contrast_ratio,
    parse_theme,
)
from tests.factories import Factory
from tests.web.helpers import named_badge, uuid_of

THEMES = PROJECT_ROOT / "templates" / "themes"
SHIPPED = sorted(p.parent.name for p in THEMES.glob("*/theme.json"))


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_default_colours_pass_aa() -> None:
    assert contrast_failures(DEFAULT_THEME.colors) == []


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_themes_pass_aa_as_written(slug: str) -> None:
    raw = json.loads((THEMES / slug / "theme.json").read_text())
    theme = parse_theme(slug, raw)
    assert contrast_failures(theme.colors) == []
    for name, value in raw.get("colors", {}).items():
        assert getattr(theme.colors, name) == value.lower(), f"{name} fell back to the default"


def test_a_colour_failing_aa_falls_back_to_the_default(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="laurel.web"):
        theme = parse_theme("pale", {"colors": {"primary": "#dddddd", "accent": "#123456"}})
    assert theme.colors.primary == Colors().primary
    assert theme.colors.accent == "#123456"  # decorative only: not checked as text
    assert "below WCAG AA" in caplog.text


def test_values_that_could_escape_css_are_ignored() -> None:
    theme = parse_theme(
        "evil",
        {
            "colors": {"text": "red;}</style><script>"},
            "fonts": {"body": "x}</style><script>alert(1)</script>"},
            "logo": "../../secrets.svg",
        },
    )
    assert theme.colors.text == Colors().text
    assert theme.fonts.body == DEFAULT_THEME.fonts.body
    assert theme.logo is None


def test_registry_rereads_a_changed_theme(tmp_path: Path) -> None:
    (tmp_path / "uni").mkdir()
    path = tmp_path / "uni" / "theme.json"
    path.write_text('{"tagline": "one"}')
    registry = ThemeRegistry(tmp_path)
    assert registry.for_org("uni").tagline == "one"
    path.write_text('{"tagline": "two"}')
    os.utime(path, (1, 1))  # a different mtime, whatever the clock's resolution
    assert registry.for_org("uni").tagline == "two"
    assert registry.for_org("nobody") is DEFAULT_THEME
    assert registry.for_org("../uni") is DEFAULT_THEME


def test_themed_organization_gets_its_look_block_overrides_and_signatories(
    factory: Factory,
) -> None:
    caller = factory.caller("northwind")
    uuid = uuid_of(factory.issue(caller, named_badge("Applied Machine Learning")))
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    assert "--primary: #0b4f3c;" in html
    assert "'Palatino Linotype'" in html  # raw in CSS, not HTML-escaped
    assert 'class="certificate__brand nw-brand"' in html  # the theme's own block
    assert 'src="../themes/northwind/logo.svg"' in html
    assert 'alt="Northwind Institute of Technology"' in html
    assert "Certificate of achievement" in html  # the theme's course title
    assert "Dr. Amara Okafor" in html and "Dean of Continuing Education" in html
    assert 'alt="Signature of Dr. Amara Okafor"' in html
    # Another organization keeps the default look.
    other = uuid_of(factory.issue(factory.caller("acme"), named_badge()))
    default = factory.client.get(f"/credentials/{other}", headers={"Accept": "text/html"}).text
    assert "nw-brand" not in default and "Certificate of completion" in default


def test_theme_assets_are_served_and_confined(factory: Factory) -> None:
    response = factory.client.get("/themes/northwind/logo.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    for path in ("/themes/northwind/theme.json", "/themes/northwind/certificate.html",
                 "/themes/northwind/..%2Ftheme.json", "/themes/nobody/logo.svg"):  # fmt: skip
        assert factory.client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("lang", "word"),
    [("en", "Certificate of achievement"), ("es", "Certificado de aprovechamiento"),
     ("fr", "Certificat de réussite"), ("ar", "شهادة إنجاز")],
)  # fmt: skip
def test_theme_titles_per_language(factory: Factory, lang: str, word: str) -> None:
    """r15 3(e): Northwind's "Certificate of achievement" stayed English on es/fr/ar pages;
    theme.json's ``titles_i18n`` gives the word per language."""
    uuid = uuid_of(factory.issue(factory.caller("northwind"), named_badge()))
    page = factory.client.get(f"/credentials/{uuid}?lang={lang}", headers={"Accept": "text/html"})
    assert f'<p class="certificate__kicker">{word}</p>' in page.text


def test_preview_alt_text_uses_the_pages_word(factory: Factory) -> None:
    """r15 9: og:image:alt said "Certificate: …" for a Badge."""
    credential = named_badge("Data Ethics")
    credential["credentialSubject"]["achievement"]["achievementType"] = "Badge"
    uuid = uuid_of(factory.issue(factory.caller(), credential))
    page = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    assert '<meta property="og:image:alt" content="Badge: Data Ethics, issued by' in page
