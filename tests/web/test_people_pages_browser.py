"""/verify, the learner record and the wallet page in headless Chromium, in English and Arabic,
at desktop (1366) and phone (390) widths: what a person reads, axe at 0 violations, no
sideways scrolling. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import axe_playwright_python
import pytest

from tests.factories import Factory
from tests.lms import Lms
from tests.wallet.conftest import make_offer
from tests.web.helpers import enable_suspension, named_badge, set_status, uuid_of
from tests.web.test_records import CS, _catalog, _learner_with_awards, _share

pytestmark = pytest.mark.browser

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page whose Content-Security-Policy lets the test inject axe (the site's own policy
    allows no foreign script), accepting downloads."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A/AA rules on the page as it is now: the violated rule ids."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def look(page: Any, artifacts: Path, name: str, lang: str) -> None:
    """At each width: the language and direction, no sideways scroll, axe clean, a screenshot."""
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), label
        assert axe_violations(page) == [], (name, lang, label)
        page.screenshot(path=artifacts / f"{name}-{lang}-{label}.png", full_page=True)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_verify_page_says_whose_and_what_happened(
    factory: Factory, live_server: str, page: Any, artifacts: Path, lang: str
) -> None:
    uuid = uuid_of(factory.issue(factory.caller(), named_badge("Data Science Foundations")))
    url = f"https://laurel.test/credentials/{uuid}"
    # The form first: the link field is the first field.
    page.goto(f"{live_server}/verify?lang={lang}")
    assert page.locator("form input, form textarea").first.get_attribute("id") == "url"
    look(page, artifacts, "verify-form", lang)

    page.goto(f"{live_server}/verify?lang={lang}&url={url}")
    verdict = page.get_by_role("status")
    if lang == "en":
        assert page.locator("#verdict-title").inner_text().strip() == "✔ Verified"
        assert "Awarded to María-José Fernández by Acme University on" in verdict.inner_text()
    else:
        assert "تم التحقق" in page.locator("#verdict-title").inner_text()
        assert "مُنحت إلى" in verdict.inner_text()
    assert not page.locator("details.json").evaluate("d => d.open")  # JSON behind a disclosure
    look(page, artifacts, "verify-verified", lang)

    set_status(factory.services, uuid, "revoke")
    page.goto(f"{live_server}/verify?lang={lang}&url={url}")
    title = page.locator("#verdict-title").inner_text()
    assert ("Revoked on " if lang == "en" else "أُلغيت في ") in title
    assert "UTC" not in title and "-" not in title.split(" ", 2)[-1]  # a date in words
    look(page, artifacts, "verify-revoked", lang)


def test_verify_page_names_a_changed_credential(
    factory: Factory, live_server: str, page: Any, artifacts: Path
) -> None:
    forged = factory.issue(factory.caller(), named_badge("Data Science Foundations"))
    forged["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    page.goto(f"{live_server}/verify?lang=fr")
    page.locator("details.more summary").click()
    page.locator("#credential").fill(json.dumps(forged))
    page.locator("details.more button").click()
    page.wait_for_load_state()
    assert page.locator("#verdict-title").inner_text().strip() == "✘ Modifié après son émission"
    look(page, artifacts, "verify-changed", "fr")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_record_page_shows_every_credential_with_its_status(
    lms: Lms, live_server: str, page: Any, artifacts: Path, lang: str
) -> None:
    enable_suspension(lms.services, lms.caller.org.id)  # type: ignore[arg-type]
    uuids = _learner_with_awards(lms)
    set_status(lms.services, uuids["102"], "suspend")
    set_status(lms.services, uuids["103"], "revoke")
    path = urlsplit(_share(lms)["url"]).path
    page.goto(f"{live_server}{path}?lang={lang}")
    items = page.locator(".credential-list li")
    assert items.count() == 4  # three courses and the program
    suspended = items.filter(has=page.locator(".chip--suspended"))
    assert suspended.count() == 1
    assert suspended.locator(".chip").inner_text() == ("Suspended" if lang == "en" else "معلّقة")
    revoked = items.filter(has=page.locator(".chip--revoked"))
    assert revoked.count() == 2  # the course and, by cascade, the program
    # A badge image on every row, loaded.
    for index in range(items.count()):
        image = items.nth(index).locator("img.badge")
        image.scroll_into_view_if_needed()
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), index
    # The JSON download.
    with page.expect_download() as download:
        page.locator(".record-actions a").click()
    assert download.value.suggested_filename == "learner-record.json"
    look(page, artifacts, "record", lang)
    # Printed with margins: the content starts inside the page.
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / f"record-{lang}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_wallet_page_says_which_code_to_scan(
    lms: Lms, factory: Factory, live_server: str, page: Any, artifacts: Path, lang: str
) -> None:
    _catalog(lms)
    graded = lms.grade(expect=201, learner="w1", run=CS.format(101), grade=0.9, name="Grace Hopper")
    uuid = graded["credential"]["uuid"]
    offer = make_offer(lms, uuid)
    token = parse_qs(urlsplit(offer["links"]["page"]).query)["offer"][0]
    page.goto(f"{live_server}/credentials/{uuid}/wallet?offer={token}&lang={lang}")
    back = page.locator("a.back")
    assert back.get_attribute("href") == f"../{uuid}"
    assert page.locator(".which dt").count() == 3
    stores = [page.locator(".stores a").nth(i).get_attribute("href") for i in range(2)]
    assert stores[0].startswith("https://apps.apple.com/") and "app.lcw" in stores[1]
    look(page, artifacts, "wallet-offer", lang)

    # A link that is unknown (used and cleared, or mistyped): a page, not a bare 404.
    answer = page.goto(f"{live_server}/credentials/{uuid}/wallet?offer=nope&lang={lang}")
    assert answer is not None and answer.status == 404
    heading = page.locator(".banner h2").inner_text()
    assert heading == ("This link no longer works" if lang == "en" else "هذا الرابط لم يعد يعمل")
    assert page.locator("a.back").get_attribute("href") == f"../{uuid}"
    look(page, artifacts, "wallet-unknown-link", lang)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_certificate_and_about_pages_in_each_direction(
    factory: Factory, live_server: str, page: Any, artifacts: Path, lang: str
) -> None:
    """The certificate page (built in the certificate-page work) and /about/verification,
    read in English and Arabic: direction, axe, no sideways scroll; and the preview image in
    the reader's language, for a learner with an Arabic name."""
    credential = named_badge("Data Science Foundations", learner="محمد بن عبد الله")
    uuid = uuid_of(factory.issue(factory.caller("northwind"), credential))
    page.goto(f"{live_server}/credentials/{uuid}?lang={lang}")
    title = page.locator('meta[property="og:title"]').get_attribute("content")
    assert title.startswith("محمد بن عبد الله — ") and len(title) <= 70
    look(page, artifacts, "certificate", lang)

    image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert image.endswith(f"preview.png?lang={lang}")
    answer = page.request.get(f"{live_server}/credentials/{uuid}/preview.png?lang={lang}")
    assert answer.ok and answer.headers["content-language"] == lang
    (artifacts / f"certificate-preview-{lang}.png").write_bytes(answer.body())

    page.goto(f"{live_server}/about/verification?lang={lang}")
    look(page, artifacts, "about-verification", lang)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_people_pages_in_spanish_and_french_are_axe_clean(
    factory: Factory, live_server: str, page: Any, artifacts: Path, lang: str
) -> None:
    """The left-to-right languages besides English, on the pages the tests above read in
    English and Arabic: language, no sideways scroll and axe at each width."""
    credential = named_badge("Data Science Foundations", learner="María-José Fernández")
    uuid = uuid_of(factory.issue(factory.caller("northwind"), credential))
    url = f"https://laurel.test/credentials/{uuid}"
    for name, path in (
        ("certificate", f"/credentials/{uuid}"),
        ("about-verification", "/about/verification"),
        ("verify-form", "/verify"),
        ("verify-verified", f"/verify?url={url}"),
        ("wallet-unknown-link", f"/credentials/{uuid}/wallet?offer=nope"),
    ):
        joiner = "&" if "?" in path else "?"
        page.goto(f"{live_server}{path}{joiner}lang={lang}")
        look(page, artifacts, name, lang)
