"""/signin, /me and the consent page in headless Chromium, in English and Arabic (right to
left), at desktop and phone widths: lang and dir, no sideways scrolling, axe at 0 violations,
screenshots in test-artifacts/ (issue 15 part 11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from app.accounts.sessions import SESSION_COOKIE
from tests.accounts.obhost import Setup
from tests.accounts.test_pages_in_every_language import world  # noqa: F401  (fixture)
from tests.web.conftest import artifacts, browser, live_server  # noqa: F401  (fixtures)
from tests.web.test_people_pages_browser import look

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def signed_in(
    world: Setup,  # noqa: F811
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
) -> Iterator[Any]:
    """Grace's browser (bypass_csp only so that axe can be injected)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    context.add_cookies([{"name": SESSION_COOKIE, "value": world.signed.token,
                          "url": live_server}])  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_learner_pages_in_the_browser(
    signed_in: Any,
    world: Setup,  # noqa: F811
    live_server: str,  # noqa: F811
    artifacts: Path,  # noqa: F811
    lang: str,
) -> None:
    page = signed_in
    page.goto(f"{live_server}/me?lang={lang}")
    assert page.title() == ("Your credentials · Laurel" if lang == "en" else "شهاداتك · Laurel")
    look(page, artifacts, "me", lang)
    # The switcher keeps the page: /me in French, still signed in.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator(".language-switcher a[hreflang=fr]").click()
    page.wait_for_url(f"{live_server}/me?lang=fr")
    assert page.title() == "Vos attestations · Laurel"
    # A form on the page keeps the language picked with ?lang=.
    page.goto(f"{live_server}/me?lang={lang}")
    page.locator("#name button[type=submit]").click()
    page.wait_for_url(f"{live_server}/me?lang={lang}#name")
    assert page.locator("html").get_attribute("lang") == lang

    page.goto(f"{live_server}/signin?lang={lang}")
    look(page, artifacts, "signin", lang)

    params, _ = world.host.authorize_params()
    page.goto(f"{live_server}/oauth2/authorize?{urlencode({**params, 'lang': lang})}")
    look(page, artifacts, "consent", lang)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_learner_pages_in_spanish_and_french_are_axe_clean(
    signed_in: Any,
    world: Setup,  # noqa: F811
    live_server: str,  # noqa: F811
    artifacts: Path,  # noqa: F811
    lang: str,
) -> None:
    page = signed_in
    page.goto(f"{live_server}/me?lang={lang}")
    look(page, artifacts, "me", lang)
    page.goto(f"{live_server}/signin?lang={lang}")
    look(page, artifacts, "signin", lang)
    params, _ = world.host.authorize_params()
    page.goto(f"{live_server}/oauth2/authorize?{urlencode({**params, 'lang': lang})}")
    look(page, artifacts, "consent", lang)
