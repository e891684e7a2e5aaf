"""Languages: negotiation (?lang=, Accept-Language), the labels on HTML answers, the catalogs
and Babel's dates and numbers in the reader's locale."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.web import i18n
from tests.factories import Factory
from tests.web.helpers import BROWSER_ACCEPT, named_badge, uuid_of

LOCALES = Path(i18n.__file__).parent / "locales"
TRANSLATED = ("es", "fr", "ar")


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (None, None, "en"),
        (None, "es-ES,es;q=0.9,en;q=0.8", "es"),
        (None, "de-DE,fr-CA;q=0.7,en;q=0.5", "fr"),  # first language we have, by quality
        (None, "en;q=0.3, ar-EG;q=0.9", "ar"),
        (None, "ar;q=0, es", "es"),  # q=0 means "not this one"
        (None, "*", "en"),
        (None, "de, it", "en"),
        (None, "es;q=nonsense, fr;q=0.1", "fr"),
        ("fr", "ar", "fr"),  # ?lang= wins
        ("ES-mx", None, "es"),
        ("xx", "ar", "ar"),  # an unknown ?lang= is ignored
        (None, "x" * 10_000 + ",es", "es"),
    ],
)
def test_negotiation(query: str | None, accept: str | None, expected: str) -> None:
    assert i18n.negotiate(query, accept) == expected


def _html(client: TestClient, path: str, **headers: str) -> tuple[str, dict[str, str]]:
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT, **headers})
    assert response.status_code == 200, response.text
    return response.text, dict(response.headers)


def test_accept_language_picks_the_page_language_and_direction(app_client: TestClient) -> None:
    html, headers = _html(app_client, "/verify", **{"Accept-Language": "ar,en;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in html
    assert headers["content-language"] == "ar"
    assert "accept-language" in headers["vary"].lower()

    html, headers = _html(app_client, "/verify")
    assert '<html lang="en" dir="ltr">' in html
    assert headers["content-language"] == "en"


def _not_found(client: TestClient, path: str, **headers: str) -> tuple[str, dict[str, str]]:
    """The 404 page: a page on base.html that needs no data."""
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT, **headers})
    assert response.status_code == 404, response.text
    return response.text, dict(response.headers)


def test_query_parameter_wins_and_the_switcher_keeps_the_address(app_client: TestClient) -> None:
    html, headers = _not_found(
        app_client, "/records/none?url=https%3A%2F%2Fexample.org%2Fc&lang=es",
        **{"Accept-Language": "fr"},
    )  # fmt: skip
    assert '<html lang="es" dir="ltr">' in html
    assert "Saltar al contenido principal" in html
    assert headers["content-language"] == "es"
    switcher = html[html.index('class="language-switcher"') :]
    links = dict(re.findall(r'<a href="([^"]+)" lang="(\w+)"', switcher)[:4])
    assert set(links.values()) == {"en", "es", "fr", "ar"}
    for href, code in links.items():  # same page, same parameters, another language
        assert href == f"?url=https%3A%2F%2Fexample.org%2Fc&amp;lang={code}"
    assert re.search(r'lang="es" hreflang="es" aria-current="true">Español<', switcher)


def test_json_answers_are_not_labelled(app_client: TestClient) -> None:
    response = app_client.get("/.well-known/did.json", headers={"Accept-Language": "ar"})
    assert "content-language" not in response.headers


def test_error_pages_speak_the_readers_language(app_client: TestClient) -> None:
    html, headers = _not_found(app_client, "/credentials/none", **{"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in html
    assert "انتقل إلى المحتوى الرئيسي" in html  # the skip link, from the compiled catalog
    assert headers["content-language"] == "ar"
    assert {v.strip() for v in headers["vary"].split(",")} >= {"Accept", "Accept-Language"}
    html, _ = _not_found(app_client, "/credentials/none")
    assert '<html lang="en" dir="ltr">' in html and "Skip to main content" in html


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def _translated(string: str | tuple[str, ...]) -> bool:
    return bool(string) if isinstance(string, str) else all(string)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalog_translates_every_message(code: str) -> None:
    """make messages keeps the catalogs in step with the source; none may lag behind."""
    with (LOCALES / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=code)
    ids = {m.id for m in catalog if m.id}
    assert template <= ids, f"run make messages: {sorted(map(str, template - ids))[:5]}"
    empty = [m.id for m in catalog if m.id and not _translated(m.string)]
    assert not empty, f"{code}: untranslated {empty[:5]}"
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"{code}: fuzzy entries"


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalog_matches_its_source(code: str) -> None:
    """The committed .mo is what make messages compiles from the .po (a fresh clone serves it)."""
    folder = LOCALES / code / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        source = {_key(m.id): _key(m.string) for m in read_po(f, locale=code) if m.id}
    with (folder / "messages.mo").open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert compiled == source, "run make messages"


def test_dates_and_numbers_in_the_readers_locale() -> None:
    day = date(2026, 5, 3)
    expected = {
        "en": ("3 May 2026", "1,234.5"),
        "es": ("3 de mayo de 2026", "1.234,5"),
        "fr": ("3 mai 2026", "1\u202f234,5"),
        "ar": ("3 مايو 2026", "1,234.5"),  # CLDR: Latin digits for ar
    }
    for code, (when, number) in expected.items():
        token = i18n.use_language(code)
        try:
            assert i18n.format_date(day) == when
            assert i18n.format_date(datetime(2026, 5, 3, 23, 59)) == when
            assert i18n.format_number(1234.5) == number
        finally:
            i18n._current.reset(token)


def test_python_strings_translate_at_request_time() -> None:
    token = i18n.use_language("es")
    try:
        assert i18n.gettext("Language") == "Idioma"
        assert i18n.gettext(i18n.N_("Language")) == "Idioma"
    finally:
        i18n._current.reset(token)
    assert i18n.gettext("Language") == "Language"


def test_a_chosen_language_is_remembered_privately(factory: Factory) -> None:
    """r15 5: ?lang= was lost on the next page. It now sets a cookie; a page whose language
    comes from the cookie is private to the reader (no shared cache may serve it to others)."""
    uuid = uuid_of(factory.issue(factory.caller(), named_badge()))
    chosen = factory.client.get(f"/credentials/{uuid}?lang=fr", headers={"Accept": "text/html"})
    assert chosen.headers["content-language"] == "fr"
    assert "lang=fr" in chosen.headers["set-cookie"]
    assert chosen.headers["cache-control"].startswith("private")
    nxt = factory.client.get("/about/verification", headers={"Accept": "text/html"})
    assert nxt.headers["content-language"] == "fr"
    assert "Cookie" in nxt.headers["vary"] and "private" in nxt.headers.get(
        "cache-control", "private"
    )
    factory.client.cookies.clear()
    plain = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"})
    assert plain.headers["content-language"] == "en"
    assert "set-cookie" not in plain.headers and "private" not in plain.headers["cache-control"]
