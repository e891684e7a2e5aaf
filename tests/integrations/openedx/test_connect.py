"""Connecting a site: `laurel openedx connect` and the admin API store what the REST and
event paths need, and never show a secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings
from app.container import Services
from tests.factories import Factory
from tests.integrations.openedx.conftest import AUDIENCE, ISSUER, RUN, SECRET, SERVICE_USER
from tests.integrations.openedx.lms import LmsClient, service_token

Laurel = Callable[..., Result]


@pytest.fixture
def laurel(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Laurel]:
    monkeypatch.setenv("LAUREL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LAUREL_KEYS_DIR", str(settings.keys_dir))
    monkeypatch.setenv("LAUREL_BASE_URL", settings.public_base_url())
    monkeypatch.delenv("LAUREL_OPENEDX_JWT_SECRET", raising=False)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args), env=env)

    yield run
    get_settings.cache_clear()


def _connect_args(*extra: str) -> list[str]:
    return [
        "openedx", "connect", "--org", "acme", "--jwt-issuer", ISSUER,
        "--jwt-audience", AUDIENCE, "--service-user", SERVICE_USER,
        "--course-org", "Acme", "--course-org", "AcmeX", *extra,
    ]  # fmt: skip


def test_cli_connect_then_the_lms_is_accepted(
    laurel: Laurel, factory: Factory, app_client: TestClient
) -> None:
    factory.org("acme")
    lms = LmsClient(app_client, service_token())
    assert lms.post_course_certificate("ada", RUN).status_code == 401  # not connected yet
    result = laurel(*_connect_args("--jwt-secret", SECRET, "--topic-prefix", "openedx"))
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "course orgs: Acme, AcmeX" in result.output
    assert lms.post_course_certificate("ada", RUN).status_code == 201
    shown = laurel("openedx", "show", "--org", "acme")
    assert shown.exit_code == 0 and SECRET not in shown.output
    assert "jwt_secret_set\tTrue" in shown.output and "topic_prefix\topenedx" in shown.output


def test_cli_takes_the_secret_from_the_environment(laurel: Laurel, factory: Factory) -> None:
    factory.org("acme")
    result = laurel(*_connect_args(), env={"LAUREL_OPENEDX_JWT_SECRET": SECRET})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "extra",
    [
        [],  # neither a secret nor a JWKS URL
        ["--jwt-secret", SECRET, "--jwks-url", "https://lms.example.org/oauth2/jwks.json"],
        ["--jwks-url", "file:///etc/passwd"],
    ],
)
def test_cli_refuses_bad_settings(laurel: Laurel, factory: Factory, extra: list[str]) -> None:
    factory.org("acme")
    result = laurel(*_connect_args(*extra))
    assert result.exit_code == 1
    assert "error:" in result.output


def test_a_course_org_belongs_to_one_organization(
    laurel: Laurel, factory: Factory, services: Services
) -> None:
    factory.org("acme")
    factory.org("beta")
    assert laurel(*_connect_args("--jwt-secret", SECRET)).exit_code == 0
    other = [
        "openedx", "connect", "--org", "beta", "--jwt-issuer", ISSUER, "--jwt-audience",
        AUDIENCE, "--service-user", SERVICE_USER, "--course-org", "Acme", "--jwt-secret", SECRET,
    ]  # fmt: skip
    result = laurel(*other)
    assert result.exit_code == 1 and "another organization" in result.output


def test_admin_api_connects_and_hides_secrets(factory: Factory, app_client: TestClient) -> None:
    admin = factory.caller("acme", scopes=["openedx:admin"])
    assert app_client.get("/api/v1/openedx/connection", headers=admin.headers).status_code == 404
    body = {
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_secret": SECRET,
        "service_user": SERVICE_USER,
        "course_orgs": ["Acme"],
        "topic_prefix": "openedx",
    }
    response = app_client.put("/api/v1/openedx/connection", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert SECRET not in response.text
    assert response.json()["jwt_secret_set"] is True
    assert response.json()["course_orgs"] == ["Acme"]
    got = app_client.get("/api/v1/openedx/connection", headers=admin.headers)
    assert got.status_code == 200 and SECRET not in got.text
    lms = LmsClient(app_client, service_token())
    assert lms.post_course_certificate("ada", RUN).status_code == 201
    # another scope may not
    reader = factory.caller("acme", scopes=["catalog:read"])
    assert (
        app_client.put("/api/v1/openedx/connection", json=body, headers=reader.headers).status_code
        == 403
    )
    both = {**body, "jwks_url": "https://lms.example.org/oauth2/jwks.json"}
    refused = app_client.put("/api/v1/openedx/connection", json=both, headers=admin.headers)
    assert refused.status_code == 422


def test_the_secret_is_not_logged(
    factory: Factory, app_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    admin = factory.caller("acme", scopes=["openedx:admin"])
    body = {
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_secret": SECRET,
        "service_user": SERVICE_USER,
        "course_orgs": ["Acme"],
    }
    app_client.put("/api/v1/openedx/connection", json=body, headers=admin.headers)
    LmsClient(app_client, service_token(secret="wrong")).post_course_certificate("ada", RUN)
    LmsClient(app_client, service_token()).post_course_certificate("ada", RUN)
    assert SECRET not in caplog.text


def test_a_course_org_in_another_letter_case_is_still_taken(
    factory: Factory, app_client: TestClient
) -> None:
    """Ownership is case-blind: "acme" may not be claimed when "Acme" is another's (a 409)."""
    body = {
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_secret": SECRET,
        "service_user": SERVICE_USER,
        "course_orgs": ["Acme"],
    }
    acme = factory.caller("acme", scopes=["openedx:admin"])
    beta = factory.caller("beta", scopes=["openedx:admin"])
    put = "/api/v1/openedx/connection"
    assert app_client.put(put, json=body, headers=acme.headers).status_code == 200
    for variant in ("acme", "ACME", "aCmE"):
        clash = app_client.put(put, json={**body, "course_orgs": [variant]}, headers=beta.headers)
        assert clash.status_code == 409, (variant, clash.text)
        assert clash.json()["field"] == "course_orgs"
    # the owner itself may keep or re-case its own code
    again = app_client.put(
        put, json={**body, "course_orgs": ["Acme", "ACME"]}, headers=acme.headers
    )
    assert again.status_code == 200, again.text
