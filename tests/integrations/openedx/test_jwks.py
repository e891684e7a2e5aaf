"""Asymmetric JWTs (``JWT_AUTH_FORCE_CREATE_ASYMMETRIC``): RS256/ES256 signed with the LMS's
private JWK, verified against its JWKS served by a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
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
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.fetches += 1
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
