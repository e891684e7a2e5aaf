"""The request owns the transaction: a returned answer commits before it is sent, an error
rolls back, a failed commit is an error answer (never a 200 for a lost write), and reads
write nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from app import deps
from app.config import Settings
from app.container import Services
from app.deps import SessionDep, commits_in_its_thread
from app.errors import Conflict
from app.main import create_app
from app.models import Learner
from tests.conftest import BASE_URL
from tests.factories import Factory


@pytest.fixture
def probe(settings: Settings, services: Services, factory: Factory) -> Iterator[TestClient]:
    """The real app with three extra routes that write a learner row."""
    org_id = factory.caller().org.id
    app = create_app(settings, services)

    @app.post("/_probe/ok")
    def ok(session: SessionDep) -> dict[str, str]:
        session.add(Learner(org_id=org_id, lms_id="kept"))
        return {"status": "ok"}

    @app.post("/_probe/error")
    def error(session: SessionDep) -> dict[str, str]:
        session.add(Learner(org_id=org_id, lms_id="undone"))
        session.flush()
        raise Conflict("refused after a write")

    @app.post("/_probe/commit-fails")
    def commit_fails(session: SessionDep) -> dict[str, str]:
        session.add(Learner(org_id=org_id + 1000, lms_id="orphan"))  # fails at the commit
        return {"status": "ok"}

    @app.post("/_probe/own-thread")
    @commits_in_its_thread
    def own_thread(session: SessionDep) -> dict[str, int]:
        session.add(Learner(org_id=org_id, lms_id="own-thread"))
        return {"thread": threading.get_ident()}

    @app.post("/_probe/own-thread-commit-fails")
    @commits_in_its_thread
    def own_thread_fails(session: SessionDep) -> dict[str, str]:
        session.add(Learner(org_id=org_id + 1000, lms_id="orphan"))  # fails at the commit
        return {"status": "ok"}

    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        yield client


def _learners(services: Services) -> set[str]:
    with Session(services.engine) as session:
        return set(session.exec(select(Learner.lms_id)))


def test_the_answer_commits_an_error_rolls_back(probe: TestClient, services: Services) -> None:
    assert probe.post("/_probe/ok").status_code == 200
    refused = probe.post("/_probe/error")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert _learners(services) == {"kept"}


def test_a_failed_commit_is_an_error_answer_not_a_lost_write(
    probe: TestClient, services: Services
) -> None:
    response = probe.post("/_probe/commit-fails")
    assert response.status_code >= 400, response.text  # the commit ran before the answer
    assert response.headers["content-type"] == "application/problem+json"
    assert "orphan" not in _learners(services)


def test_an_endpoint_that_commits_in_its_thread_commits_there_once(
    probe: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``commits_in_its_thread`` (the issuing routes): the commit runs in the endpoint's worker
    thread, before the answer, and ``get_session`` takes no second hop to commit."""
    commits: list[int] = []
    hops: list[Session] = []

    def committed(_session: Session) -> None:
        commits.append(threading.get_ident())

    monkeypatch.setattr(deps, "_commit_and_close", hops.append)
    event.listen(Session, "after_commit", committed)
    try:
        response = probe.post("/_probe/own-thread")
    finally:
        event.remove(Session, "after_commit", committed)
    assert response.status_code == 200, response.text
    assert commits == [response.json()["thread"]] and hops == []
    assert "own-thread" in _learners(services)


def test_a_commit_failing_in_the_endpoints_thread_is_an_error_answer(
    probe: TestClient, services: Services
) -> None:
    response = probe.post("/_probe/own-thread-commit-fails")
    assert response.status_code >= 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "orphan" not in _learners(services)


@contextmanager
def _writes(services: Services) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements run inside the block."""
    writes: list[str] = []

    def spy(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(services.engine, "before_cursor_execute", spy)
    try:
        yield writes
    finally:
        event.remove(services.engine, "before_cursor_execute", spy)


def test_reading_a_status_list_writes_nothing(factory: Factory, services: Services) -> None:
    vc = factory.issue(factory.caller())
    path = vc["credentialStatus"]["statusListCredential"].removeprefix(BASE_URL)
    with _writes(services) as writes:
        assert factory.client.get(path).status_code == 200
        assert factory.client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert writes == []


def test_reading_a_jwt_form_writes_nothing(factory: Factory, services: Services) -> None:
    vc = factory.issue(factory.caller())
    path = f"/credentials/{vc['id'].removeprefix('urn:uuid:')}?alg=EdDSA"
    with _writes(services) as writes:
        first = factory.client.get(path, headers={"Accept": "application/jwt"})
        again = factory.client.get(path, headers={"Accept": "application/jwt"})
    assert first.status_code == 200 and again.text == first.text
    assert writes == []
