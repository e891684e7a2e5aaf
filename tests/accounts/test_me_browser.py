"""/me in Chromium: desktop and 390 px screenshots (test-artifacts/), axe-core with no
violations, and the hide/show form working in a real browser (CSRF token and all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.sessions import SESSION_COOKIE
from tests.accounts.oidc_server import PROVIDER_DIR
from tests.accounts.signin import sign_in
from tests.accounts.test_me import World
from tests.factories import Factory
from tests.lms import Lms
from tests.web.conftest import artifacts, browser, live_server  # noqa: F401  (fixtures)
from tests.web.helpers import set_status
from tests.web.test_browser import _contrast_failures

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = PROVIDER_DIR / "node_modules" / "axe-core" / "axe.min.js"


def _axe_violations(page: Any) -> list[str]:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make oidc-provider`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
    ]


@pytest.fixture
def signed_in_page(
    factory: Factory,
    lms: Lms,
    browser: Any,  # noqa: F811  (Chromium, from tests/web/conftest.py)
    live_server: str,  # noqa: F811
) -> Any:
    world = World(factory, lms)
    lms.program("security", ["Acme+CS101", "Acme+CS102", "Acme+CS103"], title="Security Track")
    set_status(world.services, world.alice_acme2, "revoke")
    holder = TestClient(factory.client.app)
    signed = sign_in(world.services, holder, world.alice)
    holder.close()

    def open_page(width: int, height: int) -> Any:
        # bypass_csp: only so that the axe script can be injected into the page
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-GB", bypass_csp=True
        )
        context.add_cookies([{"name": SESSION_COOKIE, "value": signed.token,
                              "url": live_server}])  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/me")
        return page

    return world, signed, open_page, live_server


def test_me_in_the_browser(signed_in_page: Any, artifacts: Path) -> None:  # noqa: F811
    world, _, open_page, base = signed_in_page
    page = open_page(1280, 900)
    assert page.title() == "Your credentials · Laurel"
    # Hide a credential with the page's own form: the POST carries the CSRF token.
    card = page.locator(f"#credential-{world.alice_acme}")
    card.get_by_role("button", name="Hide from public").click()
    page.wait_for_url(f"{base}/me#credential-{world.alice_acme}")
    assert page.locator(f"#credential-{world.alice_acme} .tag--hidden").is_visible()
    page.get_by_label("New link to your Globex University record").fill("For my job application")
    page.locator("form[action='/me/shares']").nth(1).get_by_role("button").click()
    page.wait_for_url(f"{base}/me#shares")
    assert "For my job application" in page.content()
    page.screenshot(path=str(artifacts / "me-desktop.png"), full_page=True)
    assert _axe_violations(page) == []
    assert _contrast_failures(page) == []
    page.context.close()

    phone = open_page(390, 844)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
    phone.screenshot(path=str(artifacts / "me-390.png"), full_page=True)
    assert _axe_violations(phone) == []
    phone.context.close()


def test_sign_in_page_in_the_browser(
    factory: Factory,
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    artifacts: Path,  # noqa: F811
) -> None:
    from app.accounts import providers
    from app.accounts.schemas import ProviderSettings
    from app.db import session_scope

    for slug, name in (("acme", "Acme University"), ("globex", "Globex Institute of Technology")):
        org = factory.org(slug, name=name)
        with session_scope(factory.services.engine) as session:
            providers.configure(session, org, ProviderSettings(
                issuer=f"https://lms.{slug}.example/oauth2", client_id="laurel"))  # fmt: skip
    for width, height, name in ((1280, 800, "signin-desktop.png"), (390, 844, "signin-390.png")):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-GB", bypass_csp=True
        )
        page = context.new_page()
        response = page.goto(f"{live_server}/signin?next=/me")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "form-action 'self' https://lms.acme.example https://lms.globex.example" in csp
        buttons = page.get_by_role("button")
        assert buttons.all_inner_texts() == [
            "Sign in with Acme University",
            "Sign in with Globex Institute of Technology",
        ]
        page.screenshot(path=str(artifacts / name), full_page=True)
        assert _axe_violations(page) == []
        assert _contrast_failures(page) == []
        context.close()
