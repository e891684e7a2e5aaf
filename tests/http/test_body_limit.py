"""Bodies are limited per route before they are read, and callers authenticated first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.container import Services
from app.http.body_limit import BodyLimitMiddleware, BodyRule
from app.main import create_app
from app.models import IssuedCredential
from tests.factories import Factory, open_badge

MB = 1024 * 1024


class Probe:
    """A request body that records whether anyone read it."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.read = size, chunk, 0

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        while sent < self.size:
            piece = min(self.chunk, self.size - sent)
            self.read += piece
            sent += piece
            yield b"x" * piece


def _guarded_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every operation that takes a body and needs an API client's bearer token."""
    paths = client.get("/openapi.json").json()["paths"]
    found = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method != "get" and operation.get("security"):
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return found


def _count_credentials(services: Services) -> int:
    with Session(services.engine) as session:
        return session.exec(select(func.count()).select_from(IssuedCredential)).one()


def test_unauthenticated_bodies_are_refused_unread(app_client: TestClient) -> None:
    operations = _guarded_operations(app_client)
    assert ("POST", "/credentials/issue") in operations
    assert ("POST", "/api/v1/grades:batch") in operations
    for method, path in operations:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            probe = Probe(10 * MB)
            answer = app_client.request(
                method,
                path,
                content=iter(probe),
                headers={"content-type": "application/json", **headers},
            )
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert probe.read == 0, (method, path)
    # OID4VCI: its own access token, its own (OAuth) error shape
    probe = Probe(10 * MB)
    answer = app_client.post("/oid4vci/credential", content=iter(probe))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"
    assert probe.read == 0


def test_oversized_bodies_are_413_naming_body(factory: Factory) -> None:
    caller = factory.caller()
    client = factory.client
    big = open_badge(description="x" * 300_000)
    answer = client.post("/credentials/issue", json={"credential": big}, headers=caller.headers)
    assert answer.status_code == 413, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["field"] == "body" and "262144 bytes" in problem["detail"]
    assert _count_credentials(factory.services) == 0
    # under the limit, it is issued
    fine = open_badge(description="x" * 50_000)
    issued = client.post("/credentials/issue", json={"credential": fine}, headers=caller.headers)
    assert issued.status_code == 201, issued.text

    # the default limit (64 KB), the batch one (2 MB), and routes without a token
    course = {"key": "k", "title": "x" * 70_000, "passing_grade": 0.5}
    assert client.post("/api/v1/courses", json=course, headers=caller.headers).status_code == 413
    events = [{"id": f"e{i}", "padding": "x" * 900} for i in range(1000)]  # ~1 MB
    batch = client.post("/api/v1/grades:batch", json={"events": events}, headers=caller.headers)
    assert batch.status_code == 200  # read and answered per item, not refused for its size
    assert batch.json()["summary"]["total"] == 1000
    huge = client.post("/api/v1/grades:batch", content=iter(Probe(3 * MB)), headers=caller.headers)
    assert huge.status_code == 413
    # no token needed: the declared length is refused before a byte is read
    expected = {"/oauth/token": 413, "/oid4vci/token": 413, "/exchanges/x": 413, "/x/y": 404}
    for path, status in expected.items():
        probe = Probe(100 * MB)
        answer = client.post(
            path,
            content=iter(probe),
            headers={
                "content-length": str(probe.size),
                "content-type": "application/x-www-form-urlencoded",
            },
        )
        assert answer.status_code == status, (path, answer.text)
        assert probe.read == 0, path


def test_the_limits_are_settings(settings: Settings, services: Services) -> None:
    small = settings.model_copy(update={"body_max_bytes": 2048})
    with TestClient(create_app(small, services), base_url="https://laurel.test") as client:
        answer = client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "x" * 4096}
        )
        assert answer.status_code == 413 and "2048 bytes" in answer.json()["detail"]


def _echo_app() -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = await Request(scope, receive).body()
        await JSONResponse({"size": len(body)})(scope, receive, send)

    return app


@pytest.mark.parametrize("declared", [False, True])
def test_a_streamed_body_is_cut_at_the_limit(declared: bool) -> None:
    """Chunked (no Content-Length): counted while streaming, no chunk past the limit pulled."""
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"y" * 1000, "more_body": pulled < 10_000}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"content-length", b"10000000")] if declared else []
    scope = {"type": "http", "method": "POST", "path": "/up", "headers": headers}
    middleware = BodyLimitMiddleware(_echo_app(), [BodyRule("/up", 4500)], default=100)

    import anyio

    # A thread of its own: a session-scoped Playwright browser (the sync API) keeps an event
    # loop running in the main thread once any browser test has run.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, middleware, scope, receive, send).result()
    assert sent[0]["status"] == 413
    assert pulled == (0 if declared else 5)
    problem = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert problem["field"] == "body"


def test_a_guard_whose_database_is_down_answers_503(
    factory: Factory, services: Services, app_client: TestClient
) -> None:
    """The bearer-token check runs before the body is read, in the middleware: when its
    database refuses connections, the client gets a 503 problem with Retry-After (the
    request was not applied), not a dropped connection."""
    if services.engine.dialect.name == "sqlite":
        pytest.skip("needs a database server that can refuse connections")
    caller = factory.caller()
    database = services.engine.url.database
    admin = create_engine(
        services.engine.url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": database},
            )
        answer = app_client.post(
            "/credentials/issue", json={"credential": open_badge()}, headers=caller.headers
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert "database" in answer.json()["detail"]
    assert _count_credentials(services) == 0
