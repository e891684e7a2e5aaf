"""What POST /credentials/issue accepts: size, array lengths, depth and string lengths, refused
before any JSON-LD work with a problem naming the field (settings ``LAUREL_ISSUE_MAX_*``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import Settings, SettingsError, load_settings
from app.container import build_services, prepare
from app.core import jsonld as jsonld_module
from app.credentials.credential_input import DEFAULT_LIMITS
from app.credentials.issuance import IssueOptions
from app.errors import InvalidInput
from app.issuers.organizations import create_organization
from app.models import IssuedCredential
from tests.factories import Factory, open_badge
from tests.verification.test_cost import poison_subjects


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"name": "deep"}
    for _ in range(depth):
        value = {"child": value}
    return value


def _with(**achievement: Any) -> dict[str, Any]:
    credential = open_badge()
    credential["credentialSubject"]["achievement"].update(achievement)
    return credential


ACHIEVEMENT = "credential.credentialSubject.achievement"


@pytest.mark.parametrize(
    ("credential", "status", "field"),
    [
        (_with(description="x" * (DEFAULT_LIMITS.max_bytes + 1)), 413, "credential"),
        (_with(tag=[f"t{i}" for i in range(DEFAULT_LIMITS.max_array_length + 1)]), 422, None),
        (_with(tag=["ok", "x" * (DEFAULT_LIMITS.max_string_length + 1)]), 422, None),
        (_with(related=[_nested(DEFAULT_LIMITS.max_depth)]), 422, None),
        (_with(**{"y" * (DEFAULT_LIMITS.max_string_length + 1): 1}), 422, ACHIEVEMENT),
        (
            _with(related=[[0] * 999 for _ in range(DEFAULT_LIMITS.max_values // 999 + 1)]),
            422,
            "credential",
        ),
    ],
    ids=["bytes", "array", "string", "depth", "property name", "values"],
)
def test_over_a_limit_is_refused_naming_the_field(
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    credential: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    caller = factory.caller()
    checkpoints = 0

    def counting(force: bool = False) -> None:
        nonlocal checkpoints
        checkpoints += 1

    monkeypatch.setattr(jsonld_module, "checkpoint", counting)
    answer = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    if field is None:  # the offending value's own path
        assert problem["field"].startswith(ACHIEVEMENT + "."), problem
    else:
        assert problem["field"] == field
    assert checkpoints == 0  # refused before any JSON-LD work


def test_the_field_is_the_path_of_the_offending_value(factory: Factory) -> None:
    caller = factory.caller()
    credential = _with(tag=["ok", "x" * (DEFAULT_LIMITS.max_string_length + 1)])
    answer = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert answer.json()["field"] == ACHIEVEMENT + ".tag[1]"
    long_array = _with(tag=["t"] * (DEFAULT_LIMITS.max_array_length + 1))
    answer = factory.client.post(
        "/credentials/issue", json={"credential": long_array}, headers=caller.headers
    )
    assert answer.json()["field"] == ACHIEVEMENT + ".tag"
    assert str(DEFAULT_LIMITS.max_array_length) in answer.json()["detail"]


def test_at_the_limits_a_credential_is_issued(factory: Factory) -> None:
    caller = factory.caller()
    credential = _with(
        tag=[f"t{i}" for i in range(DEFAULT_LIMITS.max_array_length)],
        image={"id": "data:image/png;base64," + "A" * 40_000, "type": "Image"},
    )
    vc = factory.issue(caller, credential)
    assert len(vc["credentialSubject"]["achievement"]["tag"]) == DEFAULT_LIMITS.max_array_length


def test_limits_come_from_settings(settings: Settings, engine: Engine) -> None:
    tight = settings.model_copy(
        update={"issue_max_array_length": 10, "issue_max_string_length": 2_000}
    )
    services = build_services(tight, engine)
    prepare(services)
    with Session(services.engine, expire_on_commit=False) as session:
        org = create_organization(session, services.keyring, slug="tight", name="Tight U")
        services.issuance.issue(session, org, _with(tag=["t"] * 10), IssueOptions())
        with pytest.raises(InvalidInput) as caught:
            services.issuance.issue(session, org, _with(tag=["t"] * 11), IssueOptions())
        assert caught.value.field == ACHIEVEMENT + ".tag"
        with pytest.raises(InvalidInput) as caught:
            services.issuance.issue(session, org, _with(description="d" * 2_001), IssueOptions())
        assert caught.value.field == ACHIEVEMENT + ".description"


def test_limit_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUREL_ISSUE_MAX_BYTES", "65536")
    monkeypatch.setenv("LAUREL_ISSUE_MAX_ARRAY_LENGTH", "200")
    monkeypatch.setenv("LAUREL_ISSUE_MAX_DEPTH", "16")
    monkeypatch.setenv("LAUREL_ISSUE_MAX_STRING_LENGTH", "4096")
    monkeypatch.setenv("LAUREL_ISSUE_MAX_VALUES", "500")
    monkeypatch.setenv("LAUREL_VERIFY_CPU_BUDGET_SECONDS", "2.5")
    settings = load_settings()
    assert (
        settings.issue_max_bytes,
        settings.issue_max_array_length,
        settings.issue_max_depth,
        settings.issue_max_string_length,
        settings.issue_max_values,
        settings.verify_cpu_budget_seconds,
    ) == (65536, 200, 16, 4096, 500, 2.5)


@pytest.mark.parametrize(
    "name",
    [
        "LAUREL_ISSUE_MAX_BYTES",
        "LAUREL_ISSUE_MAX_ARRAY_LENGTH",
        "LAUREL_ISSUE_MAX_DEPTH",
        "LAUREL_ISSUE_MAX_STRING_LENGTH",
        "LAUREL_ISSUE_MAX_VALUES",
        "LAUREL_ISSUE_CPU_BUDGET_SECONDS",
        "LAUREL_VERIFY_CPU_BUDGET_SECONDS",
    ],
)
def test_a_bad_limit_stops_start_up_naming_it(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "0")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert name in str(caught.value)


def test_a_credential_too_costly_to_sign_is_a_413_and_nothing_is_stored(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = factory.caller()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        # "@id", not "id": VC DM 2.0 refuses a blank-node "id" before any JSON-LD work.
        "credentialSubject": json.loads(json.dumps(poison_subjects()).replace('"id"', '"@id"')),
    }
    answer = factory.client.post(
        "/credentials/issue", json={"credential": credential}, headers=caller.headers
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["field"] == "credential"
    monkeypatch.setattr(factory.services.issuance, "budget_seconds", 0.0)
    answer = factory.client.post(
        "/credentials/issue", json={"credential": open_badge()}, headers=caller.headers
    )
    assert answer.status_code == 413, answer.text
    assert "CPU" in answer.json()["detail"]
    with Session(factory.services.engine) as session:
        assert session.exec(select(IssuedCredential)).all() == []
