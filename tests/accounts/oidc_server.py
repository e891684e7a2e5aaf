"""A real OpenID Connect provider for the sign-in tests: panva's ``oidc-provider`` (Node.js,
OpenID Certified) started on loopback from tests/accounts/oidc_provider/, and a driver that
walks a sign-in through it as a browser would (its login and consent forms included).

The provider's packages install with ``npm ci`` (``make oidc-provider``; the fixture runs it
when node_modules is missing). Without Node.js the tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CALLBACK = "https://laurel.test/signin/callback"
#: One confidential client per organization, as each LMS would register Laurel.
CLIENTS = {
    "acme": ("laurel-acme", "acme-secret"),
    "globex": ("laurel-globex", "globex-secret"),
}
NAMES = {"alice": "Alice Smith", "bob": "Bob Jones", "a.smith": "Alice M. Smith"}


@dataclass
class OidcTestProvider:
    issuer: str
    process: subprocess.Popen[bytes]

    def tamper_next_id_token(self, **claims: Any) -> None:
        """The next token response's ID token gets these claims, re-signed with the
        provider's own key (only the claim is wrong, never the signature)."""
        response = httpx.post(f"{self.issuer}/__test/tamper", json={"claims": claims})
        assert response.status_code == 204

    def client_of(self, org: str) -> tuple[str, str]:
        return CLIENTS[org]


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Node.js for the OIDC provider (see .ci/run)")
        pytest.skip("Node.js is not installed (the OIDC provider of the sign-in tests needs it)")
    return node


def _install() -> None:
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: run `make oidc-provider`")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcTestProvider]:
    node = _node()
    assert node is not None
    _install()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OIDC_CLIENTS": json.dumps(
            [
                {"client_id": cid, "client_secret": secret, "redirect_uris": [CALLBACK]}
                for cid, secret in CLIENTS.values()
            ]
        ),
        "OIDC_NAMES": json.dumps(NAMES),
    }
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(30)
    if not line or not line[0]:
        process.kill()
        pytest.fail(
            "the OIDC provider did not start (node tests/accounts/oidc_provider/provider.mjs)"
        )
    issuer = json.loads(line[0])["issuer"]
    try:
        yield OidcTestProvider(issuer, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


# -- a browser walking the sign-in -------------------------------------------------------------


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_INPUT = re.compile(r"<input([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def form_fields(html: str, action_contains: str = "") -> tuple[str, dict[str, str]]:
    """The first form (whose action contains ``action_contains``): its action and fields."""
    for action, body in _FORM.findall(html):
        if action_contains in unescape(action):
            fields = {}
            for attrs in _INPUT.findall(body):
                found = dict(_ATTR.findall(attrs))
                if "name" in found:
                    fields[found["name"]] = unescape(found.get("value", ""))
            return unescape(action), fields
    raise AssertionError(f"no form with {action_contains!r} in the page:\n{html[:2000]}")


@dataclass
class SignInWalk:
    """Where a sign-in ended: the callback URL the provider sent the browser to, and
    Laurel's answer to it."""

    callback_url: str
    response: httpx.Response


class Browser:
    """Laurel (a TestClient) and the provider (real HTTP), one cookie jar each, as a browser
    has one per site."""

    def __init__(self, laurel: TestClient) -> None:
        self.laurel = laurel
        self.web = httpx.Client(follow_redirects=False, timeout=30)

    def close(self) -> None:
        self.web.close()

    def start(self, org: str, next_path: str = "/me") -> httpx.Response:
        """Open /signin and press "Sign in with <org>": the redirect to the provider."""
        page = self.laurel.get("/signin", params={"next": next_path})
        assert page.status_code == 200, page.text
        action, fields = form_fields(page.text, f"/signin/{org}")
        return self.laurel.post(action, data=fields, follow_redirects=False)

    def to_callback(self, authorize: httpx.Response, login: str) -> str:
        """Follow the provider's pages (login, consent) until it redirects to Laurel."""
        assert authorize.status_code == 303, authorize.text
        url = authorize.headers["location"]
        for _ in range(12):
            if url.startswith(CALLBACK):
                return url
            response = self.web.get(url)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, response.text
            if 'name="login"' in response.text:
                action, fields = form_fields(response.text, "/interaction/")
                fields.update(login=login, password="any")
            else:
                action, fields = form_fields(response.text, "/interaction/")
            posted = self.web.post(urljoin(url, action), data=fields)
            assert posted.status_code in (302, 303), posted.text
            url = urljoin(url, posted.headers["location"])
        raise AssertionError("the provider never sent the browser back to Laurel")

    def callback(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        return self.laurel.get(parts.path + "?" + parts.query, follow_redirects=False)

    def sign_in(self, org: str, login: str, next_path: str = "/me") -> SignInWalk:
        url = self.to_callback(self.start(org, next_path), login)
        return SignInWalk(url, self.callback(url))


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
