"""Issue 15 in headless Chromium: status and actions on the first screen, expiry, the
achievement whole, no-JS and small screens, the copy status announced, axe at 0 violations.

Desktop 1366x768 and phone 390x844 (and 320 wide for overflow). Screenshots go to
test-artifacts/ as ``cert-<what>-<size>-<database>.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.lms import Lms
from tests.web.axe import axe_violations
from tests.web.helpers import (
    SKILL_URL,
    enable_suspension,
    expired_badge,
    graded_badge,
    named_badge,
    set_status,
    uuid_of,
    whole_badge,
)
from tests.web.test_records import _learner_with_awards, _share

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
ACTIONS = ("Add to LinkedIn", "Download", "Copy link", "Verify independently")
PHONE_ACTIONS = ("LinkedIn", "Download", "Copy link", "Verify")


@contextmanager
def _page(browser: Any, size: str, *, js: bool = True, width: int | None = None) -> Iterator[Any]:
    w, h = SIZES[size]
    context = browser.new_context(
        viewport={"width": width or w, "height": h},
        java_script_enabled=js,
        locale="en-GB",
        bypass_csp=False,
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()


def _shot(page: Any, artifacts: Path, engine: Engine, what: str, **options: Any) -> None:
    page.screenshot(path=artifacts / f"cert-{what}-{engine.dialect.name}.png", **options)


def _in_first_screen(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_status_and_every_action_are_on_the_first_screen(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine, size: str
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), graded_badge()))
    with _page(browser, size) as page:
        page.goto(f"{live_server}/credentials/{uuid}")
        pill = page.locator(".status-pill")
        assert pill.inner_text().startswith("Verified")
        if size == "desktop":
            assert "checked" in pill.inner_text() and "UTC" in pill.inner_text()
        assert _in_first_screen(page, pill)
        names = ACTIONS if size == "desktop" else PHONE_ACTIONS
        bar = page.locator(".status-bar")
        for name in names:
            action = bar.get_by_role("link", name=name, exact=False).or_(
                bar.get_by_role("button", name=name, exact=False)
            ).or_(bar.get_by_text(name, exact=True))  # fmt: skip
            assert _in_first_screen(page, action.first), name
        verify = bar.get_by_role("link", name="Verify", exact=False)
        assert verify.get_attribute("href") == (
            f"../verify?url={BASE_URL.replace(':', '%3A').replace('/', '%2F')}"
            f"%2Fcredentials%2F{uuid}"
        )
        _shot(page, artifacts, engine, f"first-screen-{size}")
        if size == "phone":  # sticky: still on screen after scrolling down
            page.mouse.wheel(0, 1400)
            page.wait_for_timeout(200)
            assert abs(bar.bounding_box()["y"]) < 2
            _shot(page, artifacts, engine, "sticky-bar-phone")
        # The Download menu works without a script of its own (<details>).
        bar.get_by_text("Download", exact=True).click()
        pdf = bar.get_by_role("link", name="Certificate (PDF)")
        assert pdf.is_visible() and pdf.get_attribute("href") == f"./{uuid}/certificate.pdf"
        _shot(page, artifacts, engine, f"download-menu-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_expired_is_its_own_state(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine, size: str
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), expired_badge()))
    with _page(browser, size) as page:
        page.goto(f"{live_server}/credentials/{uuid}")
        banner = page.locator(".banner")
        assert banner.get_attribute("class") == "banner banner--neutral"
        assert page.get_by_role("heading", name="Expired on 1 June 2026").is_visible()
        assert "Valid 2 May 2024 \u2013 1 June 2026" in banner.inner_text()
        assert page.locator(".seal").inner_text().strip().upper() == "EXPIRED"
        assert page.locator(".status-pill").inner_text().startswith("Expired")
        assert page.locator("a[href*='linkedin.com']").count() == 0
        assert page.get_by_text("could not be verified").count() == 0
        assert page.locator("meta[property='og:title']").count() == 0
        _shot(page, artifacts, engine, f"expired-{size}", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_achievement_is_shown_whole(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine, size: str
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), whole_badge()))
    with _page(browser, size) as page:
        page.goto(f"{live_server}/credentials/{uuid}")
        image = page.locator(".certificate__image")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        title = page.locator("h1")
        if size == "desktop":  # beside the title
            assert abs(image.bounding_box()["y"] - title.bounding_box()["y"]) < 60
            assert image.bounding_box()["x"] < title.bounding_box()["x"]
        skill = page.get_by_role("link", name="Descriptive statistics")
        assert skill.get_attribute("href") == SKILL_URL
        assert page.get_by_text("Hypothesis testing", exact=True).is_visible()
        tags = page.get_by_role("list", name="Tags")
        assert tags.get_by_text("statistics", exact=True).is_visible()
        assert page.locator(".certificate__kicker").inner_text().strip().upper() == "BADGE"
        assert page.locator(".certificate__criteria").is_visible()
        assert "urn:uuid" not in page.locator("article").inner_text()
        _shot(page, artifacts, engine, f"achievement-{size}", full_page=True)


def test_without_javascript_hidden_wins_and_print_is_a_link(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), graded_badge()))
    with _page(browser, "desktop", js=False) as page:
        page.goto(f"{live_server}/credentials/{uuid}")
        copy = page.locator("[data-copy]")
        assert copy.count() == 1 and not copy.is_visible()  # .button's display lost to [hidden]
        assert copy.evaluate("b => getComputedStyle(b).display") == "none"
        print_link = page.get_by_role("link", name="Print (PDF)")
        assert print_link.get_attribute("href") == f"./{uuid}/certificate.pdf"
        response = page.request.get(f"{live_server}/credentials/{uuid}/certificate.pdf")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert page.locator("#share-url").input_value() == f"{BASE_URL}/credentials/{uuid}"
        _shot(page, artifacts, engine, "no-js-desktop", full_page=True)


def test_copy_link_is_announced(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), graded_badge()))
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/credentials/{uuid}")
        status = page.get_by_role("status")
        assert status.get_attribute("aria-live") == "polite" and status.inner_text() == ""
        page.get_by_role("button", name="Copy link").click()
        page.get_by_role("button", name="Link copied").wait_for()
        assert status.inner_text() == "Link copied"
        assert page.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/credentials/{uuid}"
        _shot(page, artifacts, engine, "copied-desktop")
    finally:
        context.close()


#: How far the widest element reaches past the viewport's right edge, in CSS pixels, and which
#: element that is (so a failure names the culprit).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  let worst = [0, ""];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const over = box.right - width;  // (the skip link waits off the left edge on purpose)
    if (over > worst[0]) worst = [Math.round(over), el.tagName + "." + el.className];
  }
  return [document.documentElement.scrollWidth - width, worst];
}"""

#: A learner name with a word longer than a phone is wide (r15: 39 px of sideways scrolling).
LONG_WORD_NAME = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft Jr."


def _assert_no_overflow(page: Any, what: str) -> None:
    scroll, worst = page.evaluate(OVERFLOW_JS)
    assert scroll <= 0, (what, scroll, worst)


@pytest.mark.parametrize("width", [320, 390, 1366])
def test_no_sideways_scrolling(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine, width: int
) -> None:
    """Certificates (a long unbroken name, a suspended one with its stamp), the record page and
    /about/verification fit at 320, 390 and 1366 px."""
    caller = factory.caller()
    enable_suspension(factory.services, caller.org.id)  # type: ignore[arg-type]
    credentials = (
        whole_badge(),
        expired_badge(),
        named_badge(learner=LONG_WORD_NAME),
        named_badge("Suspended Course"),
    )
    uuids = [uuid_of(factory.issue(caller, c)) for c in credentials]
    set_status(factory.services, uuids[3], "suspend")
    lms = Lms(factory, caller)
    _learner_with_awards(lms)
    record = _share(lms)["url"].removeprefix(BASE_URL)
    size = "desktop" if width > 1000 else "phone"
    with _page(browser, size, width=width) as page:
        for uuid in uuids:
            page.goto(f"{live_server}/credentials/{uuid}")
            _assert_no_overflow(page, uuid)
        page.goto(f"{live_server}/about/verification")
        _assert_no_overflow(page, "about")
        page.goto(live_server + record)
        _assert_no_overflow(page, "record")
        _shot(page, artifacts, engine, f"record-width-{width}", full_page=True)
        for index, what in ((2, "long-name"), (3, "suspended"), (0, "width")):
            page.goto(f"{live_server}/credentials/{uuids[index]}")
            _shot(page, artifacts, engine, f"{what}-{width}", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_no_violations(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine, size: str
) -> None:
    caller = factory.caller()
    revoked = uuid_of(factory.issue(caller, named_badge()))
    set_status(factory.services, revoked, "revoke")
    pages = {
        "active": f"/credentials/{uuid_of(factory.issue(caller, whole_badge()))}",
        "expired": f"/credentials/{uuid_of(factory.issue(caller, expired_badge()))}",
        "revoked": f"/credentials/{revoked}",
        "about": "/about/verification",
    }
    with _page(browser, size) as page:
        for name, path in pages.items():
            page.goto(live_server + path)
            assert axe_violations(page) == [], name
            if path.startswith("/credentials/"):
                page.locator(".menu summary").click()  # the open menu too
                assert axe_violations(page) == [], f"{name} (menu open)"
        page.goto(live_server + pages["about"])
        _shot(page, artifacts, engine, f"about-{size}", full_page=True)
