"""The security headers of every response, set in one place (an ASGI middleware).

Every response gets ``X-Content-Type-Options: nosniff``. Every HTML page also gets a
Content-Security-Policy (CSP Level 3), ``X-Frame-Options``, and a ``Referrer-Policy`` unless the
page chose a stricter one itself (the wallet and verifier pages say ``no-referrer``).

The pages' policy (``PAGE_POLICY``) allows no script at all. A page that runs one of the
inline scripts the templates ship (``templates/**/*.js``, written into the page by
``inline_script``) sends ``InlineScripts.policy(name)`` instead: the same policy plus that
script's SHA-256 hash (CSP3 §2.3.1 "hash-source"), hashes rather than nonces because the
certificate page is cached publicly. Styles stay ``'unsafe-inline'``: the theme colours are a
per-organization <style> element, and CSS runs no script. ``frame-ancestors 'none'``: no
page is meant to be framed (printing and the PDF flow are the browser's own, not a frame).

FastAPI's own documentation pages (``/docs``, ``/redoc``) load Swagger UI and ReDoc from
their CDN and have an inline script that FastAPI writes from the app's settings (no request
data): their policy allows that CDN and hashes the inline scripts of the page as generated.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The pages' policy without its script hashes.
PAGE_DIRECTIVES = (
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data: https:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
)
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_DIRECTIVES = (
    "default-src 'none'",
    f"style-src {DOCS_CDN} https://fonts.googleapis.com 'unsafe-inline'",
    "font-src https://fonts.gstatic.com",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "worker-src blob:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
)
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP2
    "Referrer-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def hash_source(script: str | bytes) -> str:
    """The CSP hash-source of an inline script's text, exactly as it appears in the page."""
    data = script.encode("utf-8") if isinstance(script, str) else script
    return "'sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii") + "'"


def policy(directives: Iterable[str], scripts: Iterable[str] = (), script_hosts: str = "") -> str:
    """A policy header: ``directives`` with a script-src (hosts, then hashes) after the first."""
    hashes = " ".join(sorted(set(scripts)))
    sources = " ".join(s for s in (script_hosts, hashes) if s)
    head = [f"script-src {sources}"] if sources else []
    directives = list(directives)
    return "; ".join(directives[:1] + head + directives[1:])


PAGE_POLICY = policy(PAGE_DIRECTIVES)


class InlineScripts:
    """The templates' JavaScript files (``templates/**/*.js``), read once at start-up.

    ``inline_script(name)`` writes one into a page as ``<script>…</script>``; the page sends
    ``policy(name)``, which allows that script by its hash and no other.
    """

    def __init__(self, templates_dir: Path) -> None:
        self.sources: dict[str, str] = {}
        for path in sorted(templates_dir.rglob("*.js")):
            text = path.read_text(encoding="utf-8")
            if "</script" in text.lower():
                raise RuntimeError(f"{path}: an inline script cannot contain </script")
            self.sources[path.relative_to(templates_dir).as_posix()] = text

    def policy(self, *names: str) -> str:
        """The pages' policy, allowing these scripts (a KeyError names a missing file)."""
        return policy(PAGE_DIRECTIVES, [hash_source(self.sources[name]) for name in names])

    def __call__(self, name: str) -> Markup:
        return Markup(f"<script>{self.sources[name]}</script>")  # our own file, hashed above


def _is_html(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";")[0].strip().lower() == "text/html"


class SecurityHeaders:
    """ASGI middleware adding the headers above (a page may set its own first; it wins)."""

    def __init__(
        self, app: ASGIApp, page_policy: str = PAGE_POLICY, docs_paths: Iterable[str | None] = ()
    ) -> None:
        self.app = app
        self.page_policy = page_policy
        self.docs_paths = {p for p in docs_paths if p}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if path in self.docs_paths:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(raw=message.setdefault("headers", [])), self.page_policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, csp: str) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if not _is_html(headers.get("content-type")):
            return
        headers.setdefault("Content-Security-Policy", csp)
        for name, value in PAGE_HEADERS.items():
            headers.setdefault(name, value)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer FastAPI's small docs page to hash its inline scripts into the policy."""
        start: Message | None = None
        body: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = b"".join(body)
            scripts = [hash_source(s) for s in _INLINE_SCRIPT.findall(content)]
            headers = MutableHeaders(raw=start.setdefault("headers", []))
            self._add(headers, policy(DOCS_DIRECTIVES, scripts, DOCS_CDN))
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, buffer)
