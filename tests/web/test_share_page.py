"""The public credential URL: content negotiation, the certificate page, its links and images."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import zxingcpp
from PIL import Image

from app.core.proofs.jose import credential_of, decode_unverified
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.web.helpers import (
    BROWSER_ACCEPT,
    LEARNER,
    enable_suspension,
    graded_badge,
    named_badge,
    rasterize_segno_svg,
    set_public_from,
    set_status,
    stored,
    uuid_of,
)

JSON_TYPES = ["application/ld+json", "application/vc+ld+json", "application/vc", "application/json"]


class _Page(HTMLParser):
    """Collects what the tests look at: meta tags, links, scripts, images, text."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self.images: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link":
            self.links.append(a)
        elif tag == "a":
            self.anchors.append(a)
        elif tag == "img":
            self.images.append(a)
        elif tag == "script":
            self._script = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        elif data.strip():
            self.text.append(" ".join(data.split()))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _issue(factory: Factory, credential=None, slug: str = "acme") -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    vc = factory.issue(factory.caller(slug), credential or named_badge())
    return uuid_of(vc), vc


# -- content negotiation --------------------------------------------------------------------


def test_each_json_media_type_gets_the_stored_bytes(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    document = stored(factory.services, uuid).document.encode()
    for media_type in [*JSON_TYPES, "*/*", None]:
        headers = {"Accept": media_type} if media_type else {}
        response = factory.client.get(f"/credentials/{uuid}", headers=headers)
        assert response.status_code == 200, media_type
        assert response.content == document, media_type
        expected = media_type if media_type in JSON_TYPES else "application/vc+ld+json"
        assert response.headers["content-type"].split(";")[0] == expected
        assert response.headers["vary"] == "Accept"


def test_a_browser_gets_the_certificate_page(factory: Factory) -> None:
    uuid, vc = _issue(factory)
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept, Accept-Language"  # the page is translated
    page = parse(response.text)
    text = " ".join(page.text)
    bare = vc["id"].removeprefix("urn:uuid:")  # printed as the bare UUID, never urn:uuid:
    for expected in (LEARNER, "Introduction to Cryptography", "Acme University", bare):
        assert expected in text
    assert "Awarded for passing the course" in text
    assert "Verified" in text
    # The credential for machines: the embedded JSON-LD is the stored credential.
    (ld,) = [body for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert json.loads(ld) == json.loads(stored(factory.services, uuid).document)
    alternate = [link for link in page.links if link.get("rel") == "alternate"]
    assert alternate[0]["type"] == "application/vc+ld+json"
    assert any(a["href"].endswith("/credential.json") for a in page.anchors)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/ld+json;q=0.5, text/html;q=0.9", "text/html"),
        ("text/html;q=0.1, application/ld+json", "application/ld+json"),
        ("text/*", "text/html"),
        ("application/vc+ld+json, text/html", "application/vc+ld+json"),
    ],
)
def test_quality_values_decide(factory: Factory, accept: str, expected: str) -> None:
    uuid, _ = _issue(factory)
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": accept})
    assert response.headers["content-type"].split(";")[0] == expected


def test_unsupported_media_type_is_406(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"


def test_download_is_byte_identical(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    response = factory.client.get(f"/credentials/{uuid}/credential.json")
    assert response.status_code == 200
    assert response.content == stored(factory.services, uuid).document.encode()
    assert response.headers["content-disposition"].startswith("attachment;")


# -- what the page shows --------------------------------------------------------------------


def test_grade_is_not_shown_without_a_course_that_opts_in(factory: Factory) -> None:
    """Privacy default (issue 15 part 10): the credential carries the grade, the page does not;
    tests/web/test_page_settings.py shows it appear when the course opts in."""
    uuid, _ = _issue(factory, graded_badge())
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    text = " ".join(parse(html).text)
    assert "Final grade" not in text and "93%" not in text and "Distinction" not in text
    assert "Distinction" in stored(factory.services, uuid).document


def test_verification_checks_are_listed(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    checks = re.search(r'<ul class="checks">(.*?)</ul>', html, re.S)
    assert checks
    for label in ("Signature", "Issuer", "Status", "Validity"):
        assert f"<strong>{label}</strong>: passed" in checks.group(1)
    assert "<details" in html  # expandable without JavaScript


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_revoked_or_suspended_shows_a_banner_and_no_verified_mark(
    factory: Factory, action: str
) -> None:
    caller = factory.caller()
    if action == "suspend":
        enable_suspension(factory.services, caller.org.id)  # type: ignore[arg-type]
    uuid = uuid_of(factory.issue(caller, named_badge()))
    set_status(factory.services, uuid, action)
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    state = "revoked" if action == "revoke" else "suspended"
    assert f"This credential has been {state}" in html or f"This credential is {state}" in html
    assert 'aria-label="Verified credential"' not in html
    assert 'class="verified-mark"' not in html
    assert "linkedin.com" not in html  # nothing to share
    assert parse(html).meta.get("robots") == "noindex"
    # The JSON is still the same signed bytes: its status list says it is revoked.
    json_response = factory.client.get(f"/credentials/{uuid}")
    assert json_response.content == stored(factory.services, uuid).document.encode()


def test_html_in_the_credential_is_escaped(factory: Factory) -> None:
    title = "Safe <script>alert(1)</script> & </script> title"
    uuid, _ = _issue(factory, named_badge(title, learner="<b>Eve</b>"))
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    assert "<script>alert(1)" not in html
    assert "<b>Eve</b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    page = parse(html)
    (ld,) = [body for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert json.loads(ld)["name"] == title


# -- not yet public, unknown ----------------------------------------------------------------


def test_not_yet_public_is_404_everywhere(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    set_public_from(factory.services, uuid, datetime.now(UTC) + timedelta(days=3))
    for path in ("", "/credential.json", "/preview.png", "/qr.svg"):
        assert factory.client.get(f"/credentials/{uuid}{path}").status_code == 404, path
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": BROWSER_ACCEPT})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    set_public_from(factory.services, uuid, datetime.now(UTC) - timedelta(seconds=1))
    assert factory.client.get(f"/credentials/{uuid}").status_code == 200


def test_unknown_credential_is_an_html_404_for_browsers_and_a_problem_for_machines(
    factory: Factory,
) -> None:
    browser = factory.client.get("/credentials/nope", headers={"Accept": BROWSER_ACCEPT})
    assert browser.status_code == 404
    assert "<h1" in browser.text and "Page not found" in browser.text
    machine = factory.client.get("/credentials/nope")
    assert machine.status_code == 404
    assert machine.headers["content-type"] == "application/problem+json"
    missing_route = factory.client.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    assert missing_route.status_code == 404 and "Page not found" in missing_route.text


# -- sharing --------------------------------------------------------------------------------


def test_linkedin_link_field_by_field(factory: Factory) -> None:
    uuid, vc = _issue(factory)
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    (href,) = [a["href"] for a in parse(html).anchors if "linkedin.com" in a["href"]]
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    fields = dict(parse_qsl(parts.query))
    issued = datetime.fromisoformat(vc["validFrom"].replace("Z", "+00:00"))
    assert fields == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Introduction to Cryptography",
        "organizationName": "Acme University",
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": f"{BASE_URL}/credentials/{uuid}",
        "certId": vc["id"].removeprefix("urn:uuid:"),  # LinkedIn prints it: the bare UUID
    }


def test_email_and_copy_link(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    (mailto,) = [a["href"] for a in parse(html).anchors if a["href"].startswith("mailto:")]
    fields = dict(parse_qsl(urlsplit(mailto).query))
    assert "Introduction to Cryptography" in fields["subject"]
    assert f"{BASE_URL}/credentials/{uuid}" in fields["body"]
    assert f'value="{BASE_URL}/credentials/{uuid}" readonly' in html


def test_open_graph_and_twitter_tags(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    meta = parse(
        factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    ).meta
    page_url = f"{BASE_URL}/credentials/{uuid}"
    assert meta["og:url"] == page_url
    assert meta["og:image"] == f"{page_url}/preview.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert "Introduction to Cryptography" in meta["og:title"]
    assert LEARNER in meta["og:description"]
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]


def test_preview_image_is_a_1200x630_png_and_cached(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    first = factory.client.get(f"/credentials/{uuid}/preview.png")
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(first.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert factory.client.get(f"/credentials/{uuid}/preview.png").content == first.content
    set_status(factory.services, uuid, "revoke")
    assert factory.client.get(f"/credentials/{uuid}/preview.png").content != first.content


def test_qr_code_decodes_to_the_page_url(factory: Factory) -> None:
    uuid, _ = _issue(factory)
    page_url = f"{BASE_URL}/credentials/{uuid}"
    response = factory.client.get(f"/credentials/{uuid}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    decoded = zxingcpp.read_barcodes(rasterize_segno_svg(response.text))
    assert [d.text for d in decoded] == [page_url]
    # The page carries the same code inline (it prints with the certificate).
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    inline = re.search(r'<div class="certificate__qr">\s*(<svg.*?</svg>)', html, re.S)
    assert inline
    assert [d.text for d in zxingcpp.read_barcodes(rasterize_segno_svg(inline.group(1)))] == [
        page_url
    ]


# -- weight and accessibility ---------------------------------------------------------------


def test_page_weight_and_no_required_javascript(factory: Factory) -> None:
    uuid, _ = _issue(factory, graded_badge())
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    assert len(html.encode()) < 150_000
    page = parse(html)
    assert not [attrs for attrs, _ in page.scripts if attrs.get("src")]  # nothing to download
    assert not [link for link in page.links if link.get("rel") == "stylesheet"]
    # Everything a reader needs is in the markup; the only script enhances two buttons.
    without_scripts = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    for needed in (LEARNER, "Data Science Foundations", "Verified"):
        assert needed in without_scripts
    assert re.search(r'<html lang="en" dir="ltr">', html)
    assert all(img.get("alt") for img in page.images)
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    ("accept", "typ"), [("application/vc+jwt", "vc+jwt"), ("application/jwt", "JWT")]
)
def test_jwt_forms_of_the_same_credential(factory: Factory, accept: str, typ: str) -> None:
    uuid, _ = _issue(factory)
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    header, payload = decode_unverified(response.text)
    assert header["typ"] == typ
    assert credential_of(payload) == json.loads(stored(factory.services, uuid).document)
    again = factory.client.get(f"/credentials/{uuid}", headers={"Accept": accept})
    assert again.text == response.text  # signed once, then served as stored


def test_a_reissued_credential_points_to_its_successor(factory: Factory) -> None:
    caller = factory.caller()
    uuid = uuid_of(factory.issue(caller, named_badge()))
    response = factory.client.post(f"/api/v1/credentials/{uuid}/reissue", headers=caller.headers)
    assert response.status_code == 201, response.text
    successor = response.json()["uuid"]
    html = factory.client.get(f"/credentials/{uuid}", headers={"Accept": "text/html"}).text
    assert "This credential has been replaced" in html
    assert f'href="{BASE_URL}/credentials/{successor}"' in html
    assert 'aria-label="Verified credential"' not in html
    current = factory.client.get(f"/credentials/{successor}", headers={"Accept": "text/html"})
    assert 'aria-label="Verified credential"' in current.text
