"""The provider's metadata and keys: OpenID Connect Discovery 1.0 and its JWKS, cached.

Discovery (§4) reads ``{issuer}/.well-known/openid-configuration`` and requires its ``issuer``
to equal the configured one exactly (§4.3), so a document cannot speak for another issuer.
Keys are kept an hour; an ID token signed with a key id we do not know makes one fresh read
(providers rotate keys: OIDC Core 1.0 §10.1.1).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.accounts.errors import SignInFailed

#: Metadata and keys are reused this long.
CACHE_SECONDS = 3600
#: A discovery document or JWKS larger than this is refused.
MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    id_token_algs: tuple[str, ...]


@dataclass
class _Entry:
    value: Any
    at: float


@dataclass
class Discovery:
    """Fetches over https only, except to ``http_hosts`` (tests, private deployments: the
    operator's LAUREL_FETCH_ALLOWED_HOSTS)."""

    http_hosts: frozenset[str] = frozenset()
    timeout: float = 5.0
    _cache: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_url(self, url: str, what: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "https" and host:
            return url
        if parts.scheme == "http" and host in self.http_hosts:
            return url
        raise SignInFailed(f"the provider's {what} ({url}) must be an https URL")

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False)

    def get_json(self, url: str, what: str) -> dict[str, Any]:
        self.check_url(url, what)
        try:
            with self.client() as client:
                response = client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SignInFailed(f"the provider's {what} could not be read ({exc})") from None
        if response.status_code != 200 or len(response.content) > MAX_BYTES:
            raise SignInFailed(f"the provider's {what} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SignInFailed(f"the provider's {what} is not JSON") from None
        if not isinstance(body, dict):
            raise SignInFailed(f"the provider's {what} is not a JSON object")
        return body

    def _cached(self, key: str, load: Any, force: bool = False) -> Any:
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None and not force and time.monotonic() - entry.at < CACHE_SECONDS:
            return entry.value
        value = load()
        with self._lock:
            self._cache[key] = _Entry(value, time.monotonic())
        return value

    def cached_metadata(self, issuer: str) -> ProviderMetadata | None:
        """The metadata if already read (no request): for pages that must not wait."""
        with self._lock:
            entry = self._cache.get("meta:" + issuer)
        return entry.value if entry is not None else None

    def metadata(self, issuer: str) -> ProviderMetadata:
        return self._cached("meta:" + issuer, lambda: self._discover(issuer))

    def jwks(self, metadata: ProviderMetadata, force: bool = False) -> dict[str, Any]:
        load = lambda: self.get_json(metadata.jwks_uri, "JWKS")  # noqa: E731
        return self._cached("jwks:" + metadata.jwks_uri, load, force)

    def _discover(self, issuer: str) -> ProviderMetadata:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = self.get_json(url, "discovery document")
        if doc.get("issuer") != issuer:
            raise SignInFailed(
                f'the discovery document names the issuer "{doc.get("issuer")}", not '
                f'"{issuer}" (OpenID Connect Discovery §4.3)'
            )
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(name)
            if not isinstance(value, str):
                raise SignInFailed(f'the discovery document has no "{name}"')
            endpoints[name] = self.check_url(value, name)
        algs = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        return ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=endpoints["authorization_endpoint"],
            token_endpoint=endpoints["token_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            userinfo_endpoint=_optional_url(doc, "userinfo_endpoint"),
            end_session_endpoint=_optional_url(doc, "end_session_endpoint"),
            id_token_algs=tuple(a for a in algs if isinstance(a, str) and a != "none"),
        )


def _optional_url(doc: dict[str, Any], name: str) -> str | None:
    value = doc.get(name)
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None
