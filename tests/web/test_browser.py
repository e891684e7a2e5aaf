"""The pages in headless Chromium: what a person sees, prints and scans.

Screenshots and PDFs go to test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.web.helpers import LEARNER, graded_badge, named_badge, set_status, uuid_of

pytestmark = pytest.mark.browser


def _name(engine: Engine, name: str) -> str:
    return f"{name}-{engine.dialect.name}"


def _pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_share_page_renders_reads_and_scans(
    factory: Factory, live_server: str, page: Any, artifacts: Path, engine: Engine
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), graded_badge()))
    page.goto(f"{live_server}/credentials/{uuid}")
    assert page.locator("h1").inner_text() == "Data Science Foundations"
    assert page.get_by_text(LEARNER, exact=True).is_visible()
    assert page.locator(".seal").get_attribute("aria-label") == "Verified credential"
    # The checks expand without leaving the page.
    page.get_by_text("What was checked").click()
    assert page.locator(".checks li").first.is_visible()
    # The progressive-enhancement buttons appear when scripts run.
    assert page.get_by_role("button", name="Copy link").is_visible()
    page.screenshot(path=artifacts / f"{_name(engine, 'share-page')}.png", full_page=True)
    # The printed QR code scans to the page URL.
    qr = Image.open(io.BytesIO(page.locator(".certificate__qr svg").screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(qr)] == [f"{BASE_URL}/credentials/{uuid}"]
    # Phone width: no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / f"{_name(engine, 'share-page-mobile')}.png", full_page=True)


def test_print_fits_one_landscape_page_on_a4_and_letter(
    factory: Factory, live_server: str, page: Any, artifacts: Path, engine: Engine
) -> None:
    long_title = "Advanced Topics in Distributed Systems, Consensus and Fault Tolerance " * 2
    credential = graded_badge(long_title.strip())  # with a results line
    credential["credentialSubject"]["achievement"]["description"] = "A long description. " * 60
    uuid = uuid_of(factory.issue(factory.caller("northwind"), credential))
    page.goto(f"{live_server}/credentials/{uuid}")
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, landscape=True, print_background=True)
        (artifacts / f"{_name(engine, 'print-' + paper.lower())}.pdf").write_bytes(pdf)
        assert _pdf_pages(pdf) == 1, paper
    # No buttons or browser chrome on paper: only the certificate is displayed.
    assert not page.locator(".below").is_visible()
    assert not page.locator(".share-actions").is_visible()
    # The footer (date, credential id, seal, QR code) is inside the printed box.
    box = page.locator(".certificate").bounding_box()
    footer = page.locator(".certificate__footer").bounding_box()
    assert footer["y"] + footer["height"] <= box["y"] + box["height"] - 20  # inside the frame
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.screenshot(path=artifacts / f"{_name(engine, 'print-a4')}.png")


def test_revoked_credential_and_page_without_javascript(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), named_badge()))
    set_status(factory.services, uuid, "revoke")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/credentials/{uuid}")
        banner = page.get_by_role("heading", name="This credential has been revoked")
        assert banner.is_visible()
        assert page.locator(".seal").get_attribute("aria-label") == "Not verified"
        assert page.get_by_text(LEARNER, exact=True).is_visible()  # readable without scripts
        page.screenshot(path=artifacts / f"{_name(engine, 'revoked')}.png", full_page=True)
    finally:
        context.close()


def test_themed_organization(
    factory: Factory, live_server: str, page: Any, artifacts: Path, engine: Engine
) -> None:
    uuid = uuid_of(
        factory.issue(factory.caller("northwind"), named_badge("Applied Machine Learning"))
    )
    page.goto(f"{live_server}/credentials/{uuid}")
    logo = page.locator(".certificate__logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    signatures = page.locator(".signatory__image")
    assert signatures.count() == 2
    assert all(signatures.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(2))
    primary = page.locator("h1").evaluate("h => getComputedStyle(h).color")
    assert primary == "rgb(11, 79, 60)"
    page.screenshot(path=artifacts / f"{_name(engine, 'themed')}.png", full_page=True)


_TEXT_COLOURS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[aria-hidden=true], script, style")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
    let bg = null;
    for (let a = el; a; a = a.parentElement) {
      const c = parse(getComputedStyle(a).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
    }
    const s = getComputedStyle(el);
    out.push({text: el.textContent.trim().slice(0, 40), fg: parse(s.color),
              bg: bg || [255, 255, 255], size: parseFloat(s.fontSize),
              bold: parseInt(s.fontWeight) >= 700});
  }
  return out;
}
"""


def _luminance(rgb: list[float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in
              (v / 255 for v in rgb)]  # fmt: skip
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_failures(page: Any) -> list[str]:
    """WCAG 2.2 SC 1.4.3: 4.5:1 for text, 3:1 for large text (24px, or 18.66px bold)."""
    failures = []
    for item in page.evaluate(_TEXT_COLOURS):
        fg, bg = item["fg"], item["bg"]
        if len(fg) == 4:  # rgba text over its background
            fg = [fg[3] * f + (1 - fg[3]) * b for f, b in zip(fg[:3], bg, strict=True)]
        a, b = _luminance(fg[:3]), _luminance(bg)
        ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        large = item["size"] >= 24 or (item["bold"] and item["size"] >= 18.66)
        if ratio < (3.0 if large else 4.5):
            failures.append(f"{item['text']!r}: {ratio:.2f}:1")
    return failures


@pytest.mark.parametrize("slug", ["acme", "northwind"])
def test_text_contrast_passes_wcag_aa(
    factory: Factory, live_server: str, page: Any, slug: str
) -> None:
    active = uuid_of(factory.issue(factory.caller(slug), graded_badge()))
    revoked = uuid_of(factory.issue(factory.caller(slug), named_badge()))
    set_status(factory.services, revoked, "revoke")
    for uuid in (active, revoked):
        page.goto(f"{live_server}/credentials/{uuid}")
        page.get_by_text("What was checked").click()
        assert _contrast_failures(page) == [], uuid
    # The check itself catches a pale text.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<p style=\"color:#bbb\">pale</p>')")  # fmt: skip
    (failure,) = _contrast_failures(page)
    assert failure.startswith("'pale'")


def test_content_security_policy_runs_the_pages_script_and_no_other(
    factory: Factory, live_server: str, browser: Any, artifacts: Path, engine: Engine
) -> None:
    """The policy (app/web/security_headers.py) is enforced, and the pages need nothing it
    blocks: copy link and print work, theme images load, no violation is reported."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    violations: list[str] = []
    try:
        page = context.new_page()
        page.on(
            "console", lambda m: "Content Security Policy" in m.text and violations.append(m.text)
        )
        uuid = uuid_of(factory.issue(factory.caller("northwind"), graded_badge()))
        page.goto(f"{live_server}/credentials/{uuid}")
        assert page.get_by_role("link", name="Print (PDF)").is_visible()
        page.get_by_role("button", name="Copy link").click()
        page.get_by_role("button", name="Link copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/credentials/{uuid}"
        images = page.locator(".certificate__logo, .signatory__image")
        assert images.count() == 3
        assert images.evaluate_all("imgs => imgs.every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=artifacts / f"{_name(engine, 'share-page-csp')}.png", full_page=True)
        page.goto(f"{live_server}/verify")
        assert violations == []
        # An injected inline script does not run.
        ran = page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = true'; document.body.append(s);"
            " return window.injected === true; }"
        )
        assert ran is False
        assert violations and "script-src" in violations[0]
    finally:
        context.close()
