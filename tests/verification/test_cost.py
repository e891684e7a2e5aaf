"""What one anonymous verification may cost: linear in the input, and stopped at a CPU budget.

Growth is counted in Python function calls (deterministic), not timed: N and 4N values of one
array must cost about 4 times, never the 16 times of pairwise de-duplication. A spent budget
is a 413 problem naming the field, and the work stops in its thread.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.container import Services
from app.verification.service import TOO_COSTLY
from tests.core.test_jsonld_cost import python_calls
from tests.factories import Factory, open_badge
from tests.web.helpers import BROWSER_ACCEPT, uuid_of


@pytest.fixture
def vc(factory: Factory) -> dict[str, Any]:
    return factory.issue(factory.caller())


def _with_tags(vc: dict[str, Any], count: int) -> dict[str, Any]:
    """An attacker's copy: one array of ``count`` distinct strings (the proof then fails)."""
    bigger = copy.deepcopy(vc)
    bigger["credentialSubject"]["achievement"]["tag"] = [f"tag-{i}" for i in range(count)]
    return bigger


def test_verifier_cost_grows_linearly_with_an_array(
    services: Services, session: Session, vc: dict[str, Any]
) -> None:
    verifier = services.verifier
    verifier.verify(session, vc)  # contexts, keys and the status list proof cached
    small, large = _with_tags(vc, 250), _with_tags(vc, 1000)
    cost_n = python_calls(lambda: verifier.verify(session, small))
    cost_4n = python_calls(lambda: verifier.verify(session, large))
    assert cost_4n / cost_n < 5, (cost_n, cost_4n)  # before: about 15
    assert not verifier.verify(session, large).verified  # the tags are not signed


def _spent(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """No CPU left: the first checkpoint of the JSON-LD work stops it."""
    monkeypatch.setattr(services.verifier, "budget_seconds", 0.0)


def test_over_budget_is_a_413_problem_naming_the_field(
    app_client: TestClient,
    services: Services,
    vc: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _spent(services, monkeypatch)
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["field"] == "verifiableCredential"
    assert "CPU" in problem["detail"]


def test_over_budget_jwt_with_an_embedded_proof_is_a_413(
    factory: Factory, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = factory.caller()
    token = factory.client.post(  # an LD-signed credential inside: RDFC work to do
        "/credentials/issue",
        json={"credential": open_badge(), "options": {"format": "jwt_vc_json"}},
        headers=caller.headers,
    ).json()["verifiableCredential"]
    _spent(services, monkeypatch)
    answer = factory.client.post("/credentials/verify", json={"verifiableCredential": token})
    assert answer.status_code == 413, answer.text
    assert answer.json()["field"] == "verifiableCredential"


def test_over_budget_on_the_verifier_page_is_a_413_page(
    app_client: TestClient,
    services: Services,
    vc: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _spent(services, monkeypatch)
    answer = app_client.post("/verify", data={"credential": json.dumps(vc)})
    assert answer.status_code == 413
    assert "CPU" in answer.text


def test_within_budget_the_same_credential_verifies(
    app_client: TestClient, vc: dict[str, Any]
) -> None:
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code == 200 and answer.json()["verified"] is True


def test_stored_credential_page_over_budget_says_so_and_is_not_redone_per_view(
    app_client: TestClient,
    services: Services,
    vc: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _spent(services, monkeypatch)
    calls = 0
    verify = services.verifier.verify

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return verify(*args, **kwargs)

    monkeypatch.setattr(services.verifier, "verify", counting)
    for _ in range(3):
        page = app_client.get(f"/credentials/{uuid_of(vc)}", headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 200
        assert "could not be verified" in page.text
        assert "CPU" in page.text
    assert calls == 1  # the answer is cached like any other


def test_stored_report_names_the_code(
    services: Services, session: Session, vc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _spent(services, monkeypatch)
    report = services.verifier.verify_stored(session, vc)
    assert not report.verified
    assert [c.code for c in report.failed()] == [TOO_COSTLY]
    assert report.to_json()["problemDetails"][0]["code"] == TOO_COSTLY


def poison_subjects(size: int = 12) -> list[dict[str, Any]]:
    """Blank-node subjects each linked to every other: RDFC-1.0 would try them in every order
    (a kilobyte of JSON; pyoxigraph alone took minutes on 10 of them)."""
    return [
        {
            "id": f"_:s{i}",
            "https://ex.org/knows": [{"id": f"_:s{j}"} for j in range(size) if j != i],
        }
        for i in range(size)
    ]


def test_a_poison_dataset_is_a_413_not_a_hung_worker(
    app_client: TestClient, vc: dict[str, Any]
) -> None:
    poisoned = copy.deepcopy(vc)
    poisoned["credentialSubject"] = poison_subjects()
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": poisoned})
    assert answer.status_code == 413, answer.text
    assert answer.json()["field"] == "verifiableCredential"
    assert "blank nodes" in answer.json()["detail"]
