"""Names from the LMS user API (OAuth2 client credentials), never blocking an award."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.container import Services
from app.models import IssuedCredential, Learner
from tests.factories import Factory
from tests.integrations.openedx.conftest import RUN, connect_org
from tests.integrations.openedx.lms import LmsClient, service_token


class FakeLms:
    """``/oauth2/access_token`` and ``/api/user/v1/accounts/{username}`` on loopback."""

    def __init__(self) -> None:
        self.broken = False
        self.calls: list[str] = []
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                lms.calls.append(self.path)
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if lms.broken:
                    return self._answer(500, {})
                assert form["grant_type"] == ["client_credentials"]
                assert form["client_secret"] == ["lms-client-secret"]
                self._answer(200, {"access_token": "jwt-abc", "expires_in": 3600})

            def do_GET(self) -> None:
                lms.calls.append(self.path)
                if lms.broken or self.headers["Authorization"] != "JWT jwt-abc":
                    return self._answer(500, {})
                username = self.path.rsplit("/", 1)[-1]
                self._answer(200, {"username": username, "name": "Ada Lovelace",
                                   "email": f"{username}@example.org"})  # fmt: skip

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake_lms() -> Iterator[FakeLms]:
    lms = FakeLms()
    yield lms
    lms.server.shutdown()
    lms.server.server_close()


@pytest.fixture
def lms(
    factory: Factory, services: Services, app_client: TestClient, fake_lms: FakeLms
) -> LmsClient:
    org = factory.org("acme")
    connect_org(
        services, org, lms_url=fake_lms.url, lms_client_id="laurel",
        lms_client_secret="lms-client-secret",
    )  # fmt: skip
    return LmsClient(app_client, service_token())


def _learner(services: Services, lms_id: str) -> Learner:
    with Session(services.engine) as session:
        return session.exec(select(Learner).where(Learner.lms_id == lms_id)).one()


def test_a_nameless_learner_gets_their_lms_name(
    lms: LmsClient, fake_lms: FakeLms, services: Services
) -> None:
    response = lms.post_course_certificate("ada", RUN)
    assert response.status_code == 201
    learner = _learner(services, "ada")
    assert (learner.name, learner.email) == ("Ada Lovelace", "ada@example.org")
    uuid = response.json()["certificate_url"].rstrip("/").rsplit("/", 1)[-1]
    with Session(services.engine) as session:
        record = session.get(IssuedCredential, uuid)
        assert record is not None and "Ada Lovelace" in record.document
    assert fake_lms.calls == ["/oauth2/access_token", "/api/user/v1/accounts/ada"]
    # known now: not asked again
    lms.post_course_certificate("ada", "course-v1:Acme+CS102+2026_T1")
    assert len(fake_lms.calls) == 2


def test_a_failing_lms_never_blocks_the_award(
    lms: LmsClient, fake_lms: FakeLms, services: Services
) -> None:
    fake_lms.broken = True
    assert lms.post_course_certificate("ada", RUN).status_code == 201
    assert _learner(services, "ada").name == ""
    calls = len(fake_lms.calls)
    assert lms.post_course_certificate("bob", RUN).status_code == 201  # backing off
    assert len(fake_lms.calls) == calls
