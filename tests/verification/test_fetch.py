"""The SSRF guard and limits of the verifier's fetcher, against real loopback servers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from app.verification.fetch import (
    FETCH_REFUSED,
    FETCH_TIMEOUT,
    FETCH_TOO_LARGE,
    Fetcher,
    FetchError,
    FetchPolicy,
    is_public_address,
)
from tests.verification.harness import StubServer, TlsPair

ALLOW_LOOPBACK = FetchPolicy.of(["127.0.0.1"], 1.0, 10_000)
DENY_ALL = FetchPolicy.of([], 1.0, 10_000)


@pytest.fixture
def http_server() -> Iterator[StubServer]:
    server = StubServer(None)
    yield server
    server.close()


def _refused(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.code == FETCH_REFUSED, info.value
    return info.value


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/did.json",  # loopback, not allowed
        "https://[::1]/did.json",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "https://10.0.0.5/status/1",
        "https://192.168.1.1/",
        "https://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "http://example.com/did.json",  # plain http to a public host
        "ftp://example.com/x",
        "https://user:pw@example.com/",
        "file:///etc/passwd",
    ],
)
def test_refuses_private_addresses_and_non_https(url: str) -> None:
    fetcher = Fetcher(DENY_ALL, resolver=lambda host, port: ["93.184.215.14"])
    _refused(fetcher, url)


def test_refuses_a_name_that_resolves_to_a_private_address() -> None:
    fetcher = Fetcher(DENY_ALL, resolver=lambda host, port: ["93.184.215.14", "10.1.2.3"])
    error = _refused(fetcher, "https://issuer.example/.well-known/did.json")
    assert "10.1.2.3" in str(error) and "LAUREL_FETCH_ALLOWED_HOSTS" in str(error)


def test_public_address_is_pinned_with_host_header_and_sni() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    fetcher = Fetcher(
        DENY_ALL,
        resolver=lambda host, port: ["93.184.215.14"],
        transport=httpx.MockTransport(handler),
    )
    assert fetcher.get_json("https://issuer.example/keys/1#k") == {"ok": True}
    request = seen[0]
    assert request.url.host == "93.184.215.14"  # connected to the checked address
    assert request.headers["host"] == "issuer.example"
    assert request.extensions["sni_hostname"] == "issuer.example"


def test_address_classification() -> None:
    assert is_public_address("93.184.215.14")
    assert is_public_address("2606:2800:220:1:248:1893:25c8:1946")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1",
                    "fc00::1", "100.64.0.1", "::ffff:10.0.0.1", "255.255.255.255"):  # fmt: skip
        assert not is_public_address(address), address


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:5::",  # 6to4 of 10.0.0.5
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
        "2002:c0a8:101::",  # 6to4 of 192.168.1.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fefe",  # Teredo, client 127.0.0.1 (obfuscated)
        "2001:0:a00:1::5db8:d7f1",  # Teredo, server 10.0.0.1
        "2001:0:5db8:d70e::5db8:d7f1",  # Teredo with public addresses: still not global
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::5db8:d70e",  # IPv4-compatible, public: deprecated, refused
        "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    ],
)
def test_ipv6_forms_that_embed_a_private_ipv4_are_refused(address: str) -> None:
    assert not is_public_address(address)
    fetcher = Fetcher(DENY_ALL, resolver=lambda host, port: [address])
    _refused(fetcher, "https://issuer.example/did.json")
    _refused(Fetcher(DENY_ALL), f"https://[{address}]/did.json")


def test_ipv6_forms_that_embed_a_public_ipv4_are_judged_by_it() -> None:
    for address in ("2002:5db8:d70e::1", "64:ff9b::5db8:d70e", "::ffff:93.184.215.14"):
        assert is_public_address(address), address


def test_allowed_host_may_use_http_and_loopback(http_server: StubServer) -> None:
    url = http_server.json("/doc.json", {"id": "x"})
    assert Fetcher(ALLOW_LOOPBACK).get_json(url) == {"id": "x"}
    _refused(Fetcher(DENY_ALL), url)


def test_https_with_a_trusted_ca(https_server: StubServer, tls: TlsPair) -> None:
    url = https_server.json("/doc.json", {"id": "y"})
    assert Fetcher(ALLOW_LOOPBACK, verify=tls.client).get_json(url) == {"id": "y"}
    with pytest.raises(FetchError, match="not trusted"):
        Fetcher(ALLOW_LOOPBACK).get(url)  # the system CAs do not know the test CA


def test_redirect_to_a_forbidden_host_is_refused(http_server: StubServer) -> None:
    http_server.routes["/moved"] = (
        302,
        {"Location": "https://169.254.169.254/latest/meta-data/"},
        b"",
    )
    _refused(Fetcher(ALLOW_LOOPBACK), f"{http_server.base_url}/moved")
    http_server.routes["/hop"] = (301, {"Location": "/doc.json"}, b"")
    http_server.json("/doc.json", {"id": "z"})
    assert Fetcher(ALLOW_LOOPBACK).get_json(f"{http_server.base_url}/hop") == {"id": "z"}


def test_size_limit(http_server: StubServer) -> None:
    http_server.routes["/big"] = (200, {}, b"[" + b"0," * 20_000 + b"0]")

    def chunked(handler: BaseHTTPRequestHandler) -> None:  # no Content-Length to trust
        handler.send_response(200)
        handler.end_headers()
        for _ in range(50):
            handler.wfile.write(b"x" * 1000)

    http_server.routes["/stream"] = chunked
    for path in ("/big", "/stream"):
        with pytest.raises(FetchError) as info:
            Fetcher(ALLOW_LOOPBACK).get(f"{http_server.base_url}{path}")
        assert info.value.code == FETCH_TOO_LARGE


def test_time_limit(http_server: StubServer) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        handler.send_response(200)
        handler.end_headers()

    http_server.routes["/slow"] = slow
    policy = FetchPolicy.of(["127.0.0.1"], 0.3, 10_000)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        Fetcher(policy).get(f"{http_server.base_url}/slow")
    assert info.value.code == FETCH_TIMEOUT
    assert time.monotonic() - started < 1.2


def test_unreachable_host_is_a_named_failure() -> None:
    with pytest.raises(FetchError, match="could not be reached"):
        Fetcher(ALLOW_LOOPBACK).get("http://127.0.0.1:9/did.json")  # discard port: closed


def test_cache_honours_max_age_and_no_store(http_server: StubServer) -> None:
    http_server.json("/cached", {"n": 1})
    http_server.routes["/nostore"] = (200, {"Cache-Control": "no-store"}, b"{}")
    fetcher = Fetcher(ALLOW_LOOPBACK)
    for _ in range(3):
        fetcher.get(f"{http_server.base_url}/cached")
        fetcher.get(f"{http_server.base_url}/nostore")
    assert http_server.hits["/cached"] == 1
    assert http_server.hits["/nostore"] == 3
