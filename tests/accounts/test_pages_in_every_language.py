"""The learner's pages in every language (issue 15 part 11): /signin, /me (with credentials
received from elsewhere and a connected application), the OAuth consent page and its refusal,
the sign-in error and "no record yet" pages, and the form error pages. No English source
string from the catalog is left in es/fr/ar, <html lang dir> follows the language, dates are
in words in the reader's language, and a language picked with ?lang= survives the forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.web import i18n
from tests.accounts.obhost import Setup, bearer, connect, make_setup
from tests.factories import Factory, open_badge
from tests.lms import Lms
from tests.web.helpers import BROWSER_ACCEPT
from tests.web.test_translations import LANGUAGES, html_lang, untranslated

Browser = Callable[[], TestClient]
OB = "/ims/ob/v3p0/credentials"
Fetch = Callable[[str], str]


@pytest.fixture
def world(lms: Lms, new_browser: Browser, factory: Factory) -> Setup:
    """Grace signed in at Acme with a program, one badge received from elsewhere through the
    OB 3.0 API, and that application connected."""
    setup = make_setup(lms, new_browser)
    token = connect(setup)["access_token"]
    elsewhere = factory.issue(factory.caller("beta"), open_badge("Teamwork"))
    created = setup.host.client.post(OB, json=elsewhere, headers=bearer(token))
    assert created.status_code == 201, created.text
    share = setup.browser.post(
        "/me/shares",
        data={
            "csrf_token": setup.signed.csrf_token,
            "learner": setup.signed.learner.learners[0].id,
            "label": "Job",
        },
    )
    assert share.status_code == 303, share.text
    return setup


def _get(client: TestClient, path: str, status: int = 200, **params: str) -> Fetch:
    def fetch(code: str) -> str:
        answer = client.get(
            path, params={**params, "lang": code}, headers={"Accept": BROWSER_ACCEPT}
        )
        assert answer.status_code == status, (path, answer.status_code, answer.text[:300])
        return answer.text

    return fetch


def _pages(world: Setup, new_browser: Browser) -> dict[str, Fetch]:
    consent, _ = world.host.authorize_params()
    unknown, _ = world.host.authorize_params(client_id="nobody")
    return {
        "signin": _get(new_browser(), "/signin"),
        "signin-signed-in": _get(world.browser, "/signin"),
        "me": _get(world.browser, "/me"),
        "consent": _get(world.browser, "/oauth2/authorize", **consent),
        "consent-refused": _get(world.browser, "/oauth2/authorize", 400, **unknown),
        "signin-error": _get(new_browser(), "/signin/callback", 400),
    }


def _check(name: str, fetch: Fetch, problems: dict[str, list[str]]) -> None:
    english = fetch("en")
    assert html_lang(english) == ("en", "ltr"), name
    assert untranslated(english, "es"), name  # the check sees English where it is
    for code in LANGUAGES:
        html = fetch(code)
        assert html_lang(html) == (code, "rtl" if code == "ar" else "ltr"), (name, code)
        if missing := untranslated(html, code):
            problems[f"{name} [{code}]"] = missing


def test_learner_pages_in_every_language(world: Setup, new_browser: Browser) -> None:
    problems: dict[str, list[str]] = {}
    for name, fetch in _pages(world, new_browser).items():
        _check(name, fetch, problems)
    assert not problems, problems


def test_me_in_arabic_reads_arabic(world: Setup) -> None:
    html = world.browser.get("/me?lang=ar", headers={"Accept": BROWSER_ACCEPT}).text
    for words in ("شهاداتك", "مضافة من جهات أخرى", "التطبيقات المتصلة", "روابط المشاركة"):
        assert words in html
    # Dates in words in Arabic (Babel), the ISO date kept for machines.
    today = datetime.now(UTC).date()
    with_lang = i18n.use_language("ar")
    try:
        assert i18n.format_date(today) in html
    finally:
        i18n._current.reset(with_lang)
    assert f'datetime="{today.isoformat()}"' in html
    # Scope descriptions from app.accounts are translated where shown.
    assert "قراءة ملفك الشخصي" in html


def test_the_no_record_yet_page_in_every_language(app_client: TestClient) -> None:
    web = app_client.app.state.web  # type: ignore[attr-defined]
    for code, words in {
        "en": "has not given Laurel a record for you yet",
        "es": "todavía no ha enviado a Laurel",
        "fr": "pas encore transmis de dossier",
        "ar": "لم ترسل إلى Laurel سجلًا",
    }.items():
        token = i18n.use_language(code)
        try:
            html = web.render(
                ["me/signin_error.html"], theme=_theme(), root="", detail="x", org_name="Acme"
            )
        finally:
            i18n._current.reset(token)
        assert words in html, code
        assert html_lang(html) == (code, "rtl" if code == "ar" else "ltr")
        if code != "en":
            assert not untranslated(html, code), code


def _theme():  # type: ignore[no-untyped-def]
    from app.web.themes import DEFAULT_THEME

    return DEFAULT_THEME


def test_forms_keep_the_language_picked_with_lang(world: Setup) -> None:
    page = world.browser.get("/me?lang=fr", headers={"Accept": BROWSER_ACCEPT}).text
    assert 'action="/me/name?lang=fr"' in page
    answer = world.browser.post(
        "/me/name?lang=fr", data={"csrf_token": world.signed.csrf_token, "name": ""}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me?lang=fr#name"
    # Without ?lang= the forms post where they always did (Accept-Language decides).
    plain = world.browser.get("/me", headers={"Accept": BROWSER_ACCEPT}).text
    assert 'action="/me/name"' in plain


def test_a_refused_form_answers_in_the_readers_language(world: Setup) -> None:
    answer = world.browser.post(
        "/me/name?lang=es", data={"name": ""}, headers={"Accept": BROWSER_ACCEPT}
    )
    assert answer.status_code == 403
    assert "No permitido" in answer.text
    assert html_lang(answer.text) == ("es", "ltr")
