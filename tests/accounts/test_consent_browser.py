"""The consent page in headless Chromium, desktop and 390 px: the learner reads who asks for
what, allows, and the browser follows the redirect to the host (the page's CSP lets the form
reach the host's registered origin, and no other). Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.accounts.sessions import SESSION_COOKIE
from tests.accounts.obhost import REDIRECT, make_setup, query_of
from tests.lms import Lms
from tests.web.conftest import artifacts, browser, live_server, page  # noqa: F401
from tests.web.test_browser import _contrast_failures

pytestmark = pytest.mark.browser
Browser = Callable[[], TestClient]


def test_consent_page_allows_and_redirects_to_the_host(
    lms: Lms,
    new_browser: Browser,
    live_server: str,  # noqa: F811
    page: Any,  # noqa: F811
    artifacts: Path,  # noqa: F811
    engine: Engine,
) -> None:
    setup = make_setup(lms, new_browser)
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": setup.signed.token, "url": live_server}]
    )
    arrived: list[str] = []

    def host(route: Any) -> None:
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>connected</p>")

    page.route("https://host.example/**", host)
    params, verifier = setup.host.authorize_params()
    page.goto(f"{live_server}/oauth2/authorize?{urlencode(params)}")
    assert "Example Backpack wants to connect" in page.locator("h1").inner_text()
    assert page.get_by_text("Read your Open Badges credentials").is_visible()
    assert _contrast_failures(page) == []
    name = "sqlite" if engine.dialect.name == "sqlite" else "postgres"
    page.screenshot(path=artifacts / f"consent-{name}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / f"consent-{name}-mobile.png", full_page=True)
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{REDIRECT}*")
    (url,) = [u for u in arrived if u.startswith(REDIRECT)]  # the logo is fetched too
    answer = query_of(url)
    assert answer["state"] == params["state"] and answer["code"]
    # The host redeems the code; /me then lists it among the connected applications.
    assert setup.host.exchange(answer["code"], verifier).status_code == 200
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/me#apps")
    assert page.get_by_role("heading", name="Connected applications").is_visible()
    assert _contrast_failures(page) == []
    page.locator("#apps").screenshot(path=artifacts / f"me-apps-{name}.png")
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(f"{live_server}/me*")
    assert page.get_by_role("heading", name="Connected applications").count() == 0
