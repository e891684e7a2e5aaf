"""Stored XSS and page hardening: URLs from credentials never become script links, and every
HTML page sends its Content-Security-Policy and the other security headers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from app.config import PROJECT_ROOT
from app.credentials.data_model import is_url
from app.web.security_headers import hash_source
from app.web.urls import allowed_url
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.lms import Lms
from tests.wallet.conftest import make_offer
from tests.web.helpers import BROWSER_ACCEPT, named_badge, uuid_of

ISSUER_DID = "did:web:laurel.test:orgs:acme"
#: What an attacker would put where a credential holds a URL.
BAD_URLS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(document.domain)",
    "  javascript:alert(document.domain)",
    "java\tscript:alert(document.domain)",
    "\x01javascript:alert(document.domain)",
    "data:text/html,%3Cscript%3Ealert(document.domain)%3C/script%3E",
    "vbscript:msgbox(1)",
]


class _Urls(HTMLParser):
    """Every URL-valued attribute of a page, and the inline scripts and event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.handlers: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "data"):
                self.urls.append((tag, name, value or ""))
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
        if tag == "script":
            self._script = {k: v or "" for k, v in attrs}

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))


def _parse(html: str) -> _Urls:
    page = _Urls()
    page.feed(html)
    return page


def _scheme(url: str) -> str:
    """The scheme a browser would read (WHATWG: strip C0 and space, drop tabs and newlines)."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("".join(chr(c) for c in range(0x21))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def _credential_with_urls(url: str) -> dict[str, Any]:
    """Every URL an OB 3.0 credential may carry and a page could show, set to ``url``."""
    credential = named_badge()
    credential["issuer"] = {
        "id": ISSUER_DID,
        "type": ["Profile"],
        "name": "Acme University",
        "url": url,
        "image": {"id": url, "type": "Image"},
    }
    achievement = credential["credentialSubject"]["achievement"]
    achievement["image"] = {"id": url, "type": "Image"}
    achievement["criteria"]["id"] = url
    evidence: dict[str, Any] = {"type": ["Evidence"], "name": "Final project"}
    if is_url(url):  # an evidence id that is no URL is refused at issue (VC DM 2.0 §4.4)
        evidence["id"] = url
    credential["evidence"] = [evidence]
    return credential


def _page(factory: Factory, credential: dict[str, Any]) -> str:
    uuid = uuid_of(factory.issue(factory.caller(), credential))
    response = factory.client.get(f"/credentials/{uuid}", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("url", BAD_URLS)
def test_script_urls_in_a_credential_never_become_links(factory: Factory, url: str) -> None:
    html = _page(factory, _credential_with_urls(url))
    page = _parse(html)
    schemes = {(tag, attr, _scheme(value)) for tag, attr, value in page.urls}
    assert not [s for s in schemes if s[2] in ("javascript", "vbscript", "data")], schemes
    # The issuer is still named, as text.
    assert "<dd>Acme University</dd>" in html


def test_web_urls_in_a_credential_still_become_links(factory: Factory) -> None:
    html = _page(factory, _credential_with_urls("https://acme.example/about"))
    page = _parse(html)
    assert ("a", "href", "https://acme.example/about") in page.urls
    assert ("img", "src", "https://acme.example/about") in page.urls  # the issuer's image


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("https://acme.example/a?b#c", "link", "https://acme.example/a?b#c"),
        ("HTTP://acme.example", "link", "HTTP://acme.example"),
        (" https://acme.example ", "link", "https://acme.example"),
        ("mailto:?subject=x", "link", "mailto:?subject=x"),
        ("../themes/acme/logo.svg", "image", "../themes/acme/logo.svg"),
        ("./1234/credential.json", "link", "./1234/credential.json"),
        ("data:image/png;base64,iVBOR", "image", "data:image/png;base64,iVBOR"),
        ("data:image/svg+xml,<svg/>", "image", "data:image/svg+xml,<svg/>"),
        ("data:image/png;base64,iVBOR", "link", ""),
        ("data:text/html,<b>", "image", ""),
        ("javascript:alert(1)", "link", ""),
        ("javascript:alert(1)", "image", ""),
        ("JAVASCRIPT:alert(1)", "wallet", ""),
        ("\njavascript:alert(1)", "link", ""),
        ("java\nscript:alert(1)", "link", ""),
        ("java\x00script:alert(1)", "link", ""),
        ("vbscript:msgbox(1)", "link", ""),
        ("https:evil.example", "link", ""),
        ("https://[::1", "link", ""),
        ("openid-credential-offer://?credential_offer_uri=x", "link", ""),
        ("openid-credential-offer://?credential_offer_uri=x", "wallet", "openid-credential-offer://?credential_offer_uri=x"),
        ("dccrequest://request?x=1", "wallet", "dccrequest://request?x=1"),
        (None, "link", ""),
        ({"id": "https://acme.example"}, "link", ""),
        ("", "link", ""),
    ],
)  # fmt: skip
def test_allowed_url(value: Any, kind: Any, expected: str) -> None:
    assert allowed_url(value, kind) == expected


def test_every_templated_href_and_src_passes_the_allow_list() -> None:
    """A new template line writing a URL without the filter fails here, before a review."""
    templates = PROJECT_ROOT / "templates"
    unfiltered = []
    for path in sorted(templates.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for attr, expr in re.findall(r'\b(href|src|action)="\{\{(.*?)\}\}"', text):
            if "| allowed_url" not in expr and not expr.strip().startswith("asset_url("):
                unfiltered.append(f"{path.relative_to(templates)}: {attr}={expr.strip()}")
        unfiltered += [
            f"{path.relative_to(templates)}: {m}" for m in re.findall(r"\son[a-z]+=", text)
        ]
    assert unfiltered == []


# -- the headers of every HTML page -----------------------------------------------------------


def _share_page(factory: Factory, lms: Lms) -> httpx.Response:
    uuid = uuid_of(factory.issue(factory.caller(), named_badge()))
    return factory.client.get(f"/credentials/{uuid}", headers={"Accept": BROWSER_ACCEPT})


def _record_page(factory: Factory, lms: Lms) -> httpx.Response:
    lms.course()
    lms.grade(expect=201, learner="u1")
    share = lms.post("/learners/u1/record-shares", None).json()
    return factory.client.get(
        share["url"].removeprefix(BASE_URL), headers={"Accept": BROWSER_ACCEPT}
    )


def _wallet_page(factory: Factory, lms: Lms) -> httpx.Response:
    lms.course()
    uuid = lms.grade(expect=201, learner="u1")["credential"]["uuid"]
    page = make_offer(lms, uuid)["links"]["page"]
    return factory.client.get(page.removeprefix(BASE_URL), headers={"Accept": BROWSER_ACCEPT})


def _verify_page(factory: Factory, lms: Lms) -> httpx.Response:
    return factory.client.get("/verify", headers={"Accept": BROWSER_ACCEPT})


def _verify_result(factory: Factory, lms: Lms) -> httpx.Response:
    return factory.client.post("/verify", data={"credential": "{}"})


def _not_found(factory: Factory, lms: Lms) -> httpx.Response:
    return factory.client.get("/credentials/nope", headers={"Accept": BROWSER_ACCEPT})


def _unsubscribe_page(factory: Factory, lms: Lms) -> httpx.Response:
    lms.course()
    lms.grade(expect=201, learner="u1")
    token = factory.services.notifier.tokens.token(1, "earned")
    return factory.client.get(f"/mail/unsubscribe/{token}", headers={"Accept": BROWSER_ACCEPT})


def _docs(path: str) -> Callable[[Factory, Lms], httpx.Response]:
    return lambda factory, lms: factory.client.get(path, headers={"Accept": BROWSER_ACCEPT})


def _signin_page(factory: Factory, lms: Lms) -> httpx.Response:
    return factory.client.get("/signin", headers={"Accept": BROWSER_ACCEPT})


def _signin_callback(factory: Factory, lms: Lms) -> httpx.Response:
    """The provider's answer for an unknown sign-in: the error page."""
    return factory.client.get("/signin/callback?state=x&code=y", headers={"Accept": BROWSER_ACCEPT})


def _me_page(factory: Factory, lms: Lms) -> httpx.Response:
    from tests.accounts.signin import make_learner, sign_in

    sign_in(factory.services, factory.client, make_learner(factory.services, factory.org("me")))
    return factory.client.get("/me", headers={"Accept": BROWSER_ACCEPT})


def _consent_page(factory: Factory, lms: Lms) -> httpx.Response:
    from tests.accounts.obhost import Host
    from tests.accounts.signin import make_learner, sign_in

    sign_in(factory.services, factory.client, make_learner(factory.services, factory.org("me")))
    params, _ = Host.register(factory.client).authorize_params()
    return factory.client.get(
        "/oauth2/authorize", params=params, headers={"Accept": BROWSER_ACCEPT}
    )


#: Every HTML page of the app: route path -> how to get one.
HTML_PAGES: dict[str, Callable[[Factory, Lms], httpx.Response]] = {
    "/credentials/{uuid}": _share_page,
    "/records/{share_id}": _record_page,
    "/credentials/{uuid}/wallet": _wallet_page,
    "/verify": _verify_page,
    "POST /verify": _verify_result,
    "404": _not_found,
    "/mail/unsubscribe/{token}": _unsubscribe_page,
    "/signin": _signin_page,
    "/signin/callback": _signin_callback,
    "/me": _me_page,
    "/oauth2/authorize": _consent_page,
    "/docs": _docs("/docs"),
    "/docs/oauth2-redirect": _docs("/docs/oauth2-redirect"),
    "/redoc": _docs("/redoc"),
}


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.mark.parametrize("name", list(HTML_PAGES))
def test_every_html_page_sends_the_security_headers(factory: Factory, lms: Lms, name: str) -> None:
    response = HTML_PAGES[name](factory, lms)
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")
    csp = _directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    scripts = csp.get("script-src", [])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    page = _parse(response.text)
    assert page.handlers == []  # inline event handlers would need 'unsafe-inline'
    for attrs, body in page.scripts:
        if attrs.get("type") in (None, "", "text/javascript", "module") and not attrs.get("src"):
            assert hash_source(body) in scripts, name  # every inline script is allowed by hash


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included routers
            inner = prefix + route.include_context.prefix
            yield from _routes(route.original_router.routes, inner)
        else:
            yield prefix + getattr(route, "path", ""), route


def _serves_html(route: Any) -> bool:
    if not isinstance(route, APIRoute):
        return route.path in ("/docs", "/docs/oauth2-redirect", "/redoc")
    declared = [r.get("content", {}) for r in route.responses.values()]
    return route.response_class is HTMLResponse or any("text/html" in c for c in declared)


def test_html_pages_list_covers_every_html_route(app_client: Any) -> None:
    html_routes = {path for path, route in _routes(app_client.app.routes) if _serves_html(route)}
    assert "/credentials/{uuid}" in html_routes and "/records/{share_id}" in html_routes
    assert html_routes <= set(HTML_PAGES), html_routes - set(HTML_PAGES)


def test_the_certificate_page_allows_only_its_own_script(factory: Factory) -> None:
    response = _share_page(factory, None)  # type: ignore[arg-type]
    scripts = _directives(response.headers["content-security-policy"])["script-src"]
    inline = [b for a, b in _parse(response.text).scripts if a.get("type") != "application/ld+json"]
    assert scripts == [hash_source(inline[0])] and len(inline) == 1


def test_other_responses_get_nosniff_but_no_page_policy(factory: Factory) -> None:
    response = factory.client.get("/.well-known/did.json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers
    svg = factory.client.get("/themes/northwind/logo.svg")  # keeps its own SVG policy
    assert svg.headers["content-security-policy"].startswith("default-src 'none'; style-src")
