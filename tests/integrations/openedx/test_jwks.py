"""Asymmetric JWTs (``JWT_AUTH_FORCE_CREATE_ASYMMETRIC``): RS256/ES256 signed with the LMS's
private JWK, verified against its JWKS served by a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from app.container import Services
from tests.factories import Factory
from tests.integrations.openedx.conftest import RUN, SERVICE_USER, connect_org
from tests.integrations.openedx.lms import CREDENTIALS, LmsClient, claims


class Jwks:
    """The LMS's ``/oauth2/jwks.json`` (public keys only), counting its fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.delay = 0.0  # seconds the answer hangs
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.fetches += 1
                if jwks.delay:
                    time.sleep(jwks.delay)
                body = json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, private: Any, alg: str, kid: str | None) -> None:
        algorithm = jwt.get_algorithm_by_name(alg)
        public = json.loads(algorithm.to_jwk(private.public_key()))
        public.update({"use": "sig", "alg": alg})
        if kid:
            public["kid"] = kid
        self.keys.append(public)


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    served = Jwks()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def connected(factory: Factory, services: Services, jwks: Jwks) -> Services:
    org = factory.org("acme")
    connect_org(services, org, jwt_secret=None, jwks_url=jwks.url)
    return services


def _service_claims() -> dict[str, Any]:
    return claims(SERVICE_USER, administrator=True)


@pytest.mark.parametrize(("alg", "kid"), [("RS256", None), ("RS256", "lms-2026"), ("ES256", None)])
def test_asymmetric_jwts_verify_against_the_jwks(
    connected: Services, jwks: Jwks, app_client: TestClient, alg: str, kid: str | None
) -> None:
    private: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if alg == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    other: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.add(other, "RS256", "old-key")  # a rotated-out key stays listed
    jwks.add(private, alg, kid)
    headers = {"kid": kid} if kid else None
    token = jwt.encode(_service_claims(), private, algorithm=alg, headers=headers)
    lms = LmsClient(app_client, token)
    response = lms.post_course_certificate("ada", RUN)
    assert response.status_code == 201, response.text
    assert lms.get(CREDENTIALS, {"username": "ada"}).json()["count"] == 1
    assert jwks.fetches == 1  # cached


def test_a_key_not_in_the_jwks_and_alg_confusion_are_401(
    connected: Services, jwks: Jwks, app_client: TestClient
) -> None:
    listed = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.add(listed, "RS256", None)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_service_claims(), stranger, algorithm="RS256")
    assert LmsClient(app_client, forged).post_course_certificate("ada", RUN).status_code == 401
    # HS256 "signed" with the public key as the secret: this connection has no secret
    pem = listed.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import hashlib
    import hmac

    from tests.integrations.openedx.lms import _b64

    head = _b64(b'{"alg":"HS256"}')
    body = _b64(json.dumps(_service_claims()).encode())
    mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    confused = f"{head}.{body}.{_b64(mac)}"
    assert LmsClient(app_client, confused).post_course_certificate("ada", RUN).status_code == 401
    expired = jwt.encode(
        claims(SERVICE_USER, administrator=True, expires_in=-600), listed, algorithm="RS256"
    )
    assert LmsClient(app_client, expired).post_course_certificate("ada", RUN).status_code == 401


def _rs256_token(kid: str | None = None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        _service_claims(), key, algorithm="RS256", headers={"kid": kid} if kid else None
    )


def test_a_hanging_jwks_is_fetched_once_and_then_fails_fast(
    connected: Services, jwks: Jwks, app_client: TestClient
) -> None:
    """A JWKS URL that hangs held every request for the whole timeout and was fetched again
    by each (60 concurrent requests starved the worker threads). Now the failure is
    remembered (backoff) and one fetch at most is in flight."""
    jwks.delay = 3.0  # longer than the fetch timeout the tests set (1 s)
    token = _rs256_token()
    answers = [LmsClient(app_client, token).post_course_certificate("ada", RUN) for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    assert jwks.fetches == 1
    # the same answer as a signature that does not verify: nothing to learn about the URL
    assert {a.json()["detail"] for a in answers} == {"the JWT's signature does not verify"}


def test_unknown_key_ids_refetch_at_most_once_per_interval(
    connected: Services, jwks: Jwks, app_client: TestClient
) -> None:
    jwks.add(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256", "lms-1")
    for n in range(6):
        response = LmsClient(app_client, _rs256_token(f"made-up-{n}")).post_course_certificate(
            "ada", RUN
        )
        assert response.status_code == 401
    assert jwks.fetches == 1  # no refetch for unknown kids within min_refetch (10 s)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/jwks.json",
        "https://169.254.169.254/jwks.json",
        "https://10.0.0.5/jwks.json",  # (127.0.0.1 is allowed in these tests)
        "https://[::1]/jwks.json",
        "http://lms.example.org/oauth2/jwks.json",
    ],
)
def test_an_internal_or_plain_http_jwks_url_is_refused_at_connect(
    factory: Factory, app_client: TestClient, url: str
) -> None:
    admin = factory.caller("acme", scopes=["openedx:admin"])
    body = {
        "jwt_issuer": "https://lms.example.org/oauth2",
        "jwt_audience": "lms-key",
        "jwks_url": url,
        "service_user": SERVICE_USER,
        "course_orgs": ["Acme"],
    }
    response = app_client.put("/api/v1/openedx/connection", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "jwks_url"


def test_a_stored_internal_jwks_url_is_never_fetched(
    factory: Factory, services: Services, app_client: TestClient
) -> None:
    """Stored before this check (or by hand): the fetch policy still refuses it, and the
    401 is the one a bad signature gets (no blind SSRF oracle)."""
    org = factory.org("acme")
    connect_org(services, org, jwt_secret=None, jwks_url="http://169.254.169.254/jwks.json")
    response = LmsClient(app_client, _rs256_token()).post_course_certificate("ada", RUN)
    assert response.status_code == 401
    assert response.json()["detail"] == "the JWT's signature does not verify"
