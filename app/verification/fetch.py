"""The verifier's only way out: bounded HTTPS fetches that cannot reach private networks.

A credential names URLs (did:web documents, key documents, status lists) chosen by whoever made
it, so every fetch is a potential SSRF. The rules (OWASP SSRF prevention, "deny by default"):

- ``https`` only, on port 443 or any port, to a host whose every resolved address is public
  (not private, loopback, link-local, multicast, reserved or unspecified); the connection is
  made to the address that was checked (the host is resolved once, so DNS rebinding cannot
  swap it), with TLS verified against the host name (SNI).
- Hosts named in ``FetchPolicy.allowed_hosts`` (tests, private deployments) skip the address
  check and may use plain ``http``.
- Redirects are followed by hand, at most ``max_redirects``, each target checked again.
- Time (connect/read timeouts plus an overall deadline) and size (``max_bytes``, counted while
  streaming) are bounded; a small TTL cache keeps documents for ``Cache-Control: max-age`` or
  ``cache_ttl`` seconds, whichever is shorter (``no-store`` is honoured).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from app.core.text_input import find_bad_string

FETCH_REFUSED = "FETCH_REFUSED"
FETCH_FAILED = "FETCH_FAILED"
FETCH_TOO_LARGE = "FETCH_TOO_LARGE"
FETCH_TIMEOUT = "FETCH_TIMEOUT"

ACCEPT_JSON = (
    "application/did+ld+json, application/vc+ld+json, application/ld+json, "
    "application/jwk-set+json, application/json;q=0.9, */*;q=0.1"
)

Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A URL that was not fetched: refused by policy, unreachable, too slow or too large."""

    def __init__(self, url: str, message: str, code: str = FETCH_FAILED) -> None:
        super().__init__(message)
        self.url = url
        self.code = code


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may do; built from settings (``fetch_*``) by ``app.container``."""

    allowed_hosts: frozenset[str] = frozenset()
    timeout_seconds: float = 5.0
    max_bytes: int = 1_000_000
    cache_ttl_seconds: float = 300.0
    cache_entries: int = 256
    max_redirects: int = 3

    @classmethod
    def of(
        cls, allowed_hosts: Iterable[str], timeout_seconds: float, max_bytes: int, **extra: Any
    ) -> FetchPolicy:
        hosts = frozenset(h.strip().lower() for h in allowed_hosts if h.strip())
        return cls(hosts, timeout_seconds, max_bytes, **extra)

    def allows_host(self, host: str, port: int | None) -> bool:
        """A host is allowed by name (``localhost``) or by ``name:port``."""
        host = host.lower()
        return host in self.allowed_hosts or (
            port is not None and f"{host}:{port}" in self.allowed_hosts
        )


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


#: IPv6 forms that carry an IPv4 address the traffic is delivered to (translation, tunnels).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291 §2.5.5.1, deprecated


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (RFC 6890 special-purpose ranges are not).

    An IPv6 address that embeds an IPv4 one is judged by it, as the packets end up there:
    IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002:aabb:ccdd::/48`` (RFC 3056) and NAT64
    ``64:ff9b::a.b.c.d`` (RFC 6052) are public when the IPv4 address is; Teredo ``2001::/32``
    (RFC 4380: server and client) and IPv4-compatible ``::a.b.c.d`` are refused when either
    embedded address is private, and are not global themselves (deny by default).
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded, decisive = _embedded_ipv4(ip)
        if not all(_is_public(v4) for v4 in embedded):
            return False
        if decisive:
            return True
    return _is_public(ip)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[list[ipaddress.IPv4Address], bool]:
    """The IPv4 addresses inside ``ip``, and whether they alone decide where it goes."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped], True
    if ip.sixtofour is not None:
        return [ip.sixtofour], True
    if ip in _NAT64:
        return [low32], True
    if ip.teredo is not None:
        return list(ip.teredo), False
    if ip in _COMPATIBLE:
        return [low32], False
    return [], False


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return bool(
        ip.is_global
        and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local)
        and not (ip.is_reserved or ip.is_unspecified)
    )


@dataclass(frozen=True)
class _Target:
    """A checked URL: where to connect and what to say in Host / SNI."""

    url: str
    connect_url: str
    host_header: str | None
    sni_hostname: str | None


@dataclass
class _Entry:
    expires: float
    body: bytes
    content_type: str


@dataclass
class Fetched:
    """A fetched resource: its final URL, media type and bytes."""

    url: str
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            value = json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise FetchError(self.url, f"{self.url} did not return JSON: {exc}") from None
        bad = find_bad_string(value)
        if bad is not None:  # unsignable text: no key or DID document can hold it
            raise FetchError(self.url, f'{self.url}: "{bad[0]}" {bad[1]}')
        return value

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Fetcher:
    """GET with the SSRF guard, limits and a TTL cache; thread-safe; one httpx client."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        verify: ssl.SSLContext | bool = True,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        timeout = httpx.Timeout(policy.timeout_seconds)
        self._client = httpx.Client(
            verify=verify,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # never via an environment proxy: the address check must hold
            transport=transport,
            headers={"User-Agent": "Laurel-Verifier/0.1"},
        )
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # -- the guard ----------------------------------------------------------------------

    def check(self, url: str) -> _Target:
        """Refuse a URL the policy forbids (raises ``FetchError`` with FETCH_REFUSED)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(url, f'"{url}" is not a valid URL: {exc}', FETCH_REFUSED) from None
        host = parts.hostname
        if parts.scheme not in ("https", "http") or not host:
            raise FetchError(url, f'"{url}" is not an http(s) URL', FETCH_REFUSED)
        if parts.username or parts.password:
            raise FetchError(url, f'"{url}" must not carry credentials', FETCH_REFUSED)
        if self.policy.allows_host(host, port):
            return _Target(url, url, None, None)
        if parts.scheme != "https":
            raise FetchError(url, f'refused "{url}": only https URLs are fetched', FETCH_REFUSED)
        try:
            addresses = [host] if _is_ip(host) else self.resolver(host, port or 443)
        except (OSError, UnicodeError) as exc:
            raise FetchError(url, f'the host "{host}" could not be resolved: {exc}') from None
        if not addresses:
            raise FetchError(url, f'the host "{host}" has no address')
        private = [a for a in addresses if not is_public_address(a)]
        if private:
            raise FetchError(
                url,
                f'refused "{url}": {host} resolves to a non-public address ({private[0]}); '
                "allow the host in LAUREL_FETCH_ALLOWED_HOSTS to fetch from it",
                FETCH_REFUSED,
            )
        address = addresses[0]
        literal = f"[{address}]" if ":" in address else address
        netloc = f"{literal}:{port}" if port else literal
        connect_url = parts._replace(netloc=netloc).geturl()
        host_header = parts.netloc.rpartition("@")[2]
        is_ip = _is_ip(host)
        return _Target(url, connect_url, host_header, None if is_ip else host)

    # -- fetching -----------------------------------------------------------------------

    def get(self, url: str, accept: str = ACCEPT_JSON) -> Fetched:
        """The resource at ``url`` (from the cache when fresh)."""
        url = url.partition("#")[0]
        now = time.monotonic()
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and entry.expires > now:
                self._cache.move_to_end(url)
                return Fetched(url, entry.content_type, entry.body)
        fetched, ttl = self._fetch(url, accept)
        if ttl > 0:
            with self._lock:
                self._cache[url] = _Entry(now + ttl, fetched.body, fetched.content_type)
                self._cache.move_to_end(url)
                while len(self._cache) > self.policy.cache_entries:
                    self._cache.popitem(last=False)
        return fetched

    def get_json(self, url: str) -> Any:
        """Parsed JSON at ``url`` (the ``fetch_json`` that DID resolution is handed)."""
        return self.get(url).json()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _fetch(self, url: str, accept: str) -> tuple[Fetched, float]:
        deadline = time.monotonic() + self.policy.timeout_seconds * 2
        current = url
        for _ in range(self.policy.max_redirects + 1):
            target = self.check(current)
            response_or_location = self._once(target, accept, deadline)
            if isinstance(response_or_location, str):
                current = urljoin(current, response_or_location)
                continue
            return response_or_location
        raise FetchError(url, f"{url}: more than {self.policy.max_redirects} redirects")

    def _once(self, target: _Target, accept: str, deadline: float) -> tuple[Fetched, float] | str:
        headers = {"Accept": accept}
        if target.host_header:
            headers["Host"] = target.host_header
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        url = target.url
        try:
            request = self._client.build_request(
                "GET", target.connect_url, headers=headers, extensions=extensions
            )
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise FetchError(
                url, f"{url} did not answer within the time limit", FETCH_TIMEOUT
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{url} could not be reached: {_reason(exc)}") from None
        try:
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchError(url, f"{url} redirected without a Location")
                return location
            if response.status_code != 200:
                raise FetchError(url, f"{url} answered HTTP {response.status_code}")
            body = self._read(response, url, deadline)
        finally:
            response.close()
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        fetched = Fetched(url, content_type, body, dict(response.headers))
        return fetched, _ttl(response.headers.get("cache-control"), self.policy.cache_ttl_seconds)

    def _read(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"{url} is larger than {limit} bytes", FETCH_TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"{url} is larger than {limit} bytes", FETCH_TOO_LARGE)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"{url} took too long to send", FETCH_TIMEOUT)
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchError(url, f"{url} stopped sending", FETCH_TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{url} could not be read: {_reason(exc)}") from None
        return b"".join(chunks)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not trusted"
    return text.splitlines()[0][:200]


def _ttl(cache_control: str | None, default: float) -> float:
    """Seconds to keep a response: ``no-store``/``no-cache`` 0, else min(max-age, default)."""
    if not cache_control:
        return default
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for directive in directives:
        if directive.startswith("max-age="):
            try:
                return max(0.0, min(default, float(directive[8:])))
            except ValueError:
                return default
    return default
