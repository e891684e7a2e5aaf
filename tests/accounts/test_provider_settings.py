"""Per-organization sign-in settings: `laurel oidc ...` and /api/v1/oidc-provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings
from app.issuers import scopes
from tests.accounts.oidc_server import OidcTestProvider
from tests.factories import Factory

Laurel = Callable[..., Result]


@pytest.fixture
def laurel(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Laurel]:
    monkeypatch.setenv("LAUREL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LAUREL_KEYS_DIR", str(settings.keys_dir))
    monkeypatch.setenv("LAUREL_BASE_URL", settings.public_base_url())
    monkeypatch.setenv("LAUREL_FETCH_ALLOWED_HOSTS", json.dumps(settings.fetch_allowed_hosts))
    runner = CliRunner()

    def run(*args: str, **env: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args), env=env or None)

    yield run
    get_settings.cache_clear()


@pytest.mark.slow
def test_cli_sets_shows_lists_and_removes(
    laurel: Laurel, factory: Factory, oidc_provider: OidcTestProvider
) -> None:
    factory.org("acme")
    done = laurel(
        "oidc", "set", "--org", "acme", "--issuer", oidc_provider.issuer,
        "--client-id", "laurel-acme", "--user-id-claim", "preferred_username",
        LAUREL_OIDC_CLIENT_SECRET="acme-secret",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "discovered: authorization " + oidc_provider.issuer in done.output
    assert "https://laurel.test/signin/callback" in done.output

    shown = json.loads(laurel("oidc", "show", "--org", "acme").output)
    assert shown["has_client_secret"] is True and "acme-secret" not in json.dumps(shown)
    assert shown["user_id_claim"] == "preferred_username"
    assert laurel("oidc", "list").output.split("\t")[:2] == ["acme", oidc_provider.issuer]

    assert laurel("oidc", "remove", "--org", "acme").exit_code == 0
    assert laurel("oidc", "show", "--org", "acme").exit_code == 1


def test_cli_refuses_bad_settings(laurel: Laurel, factory: Factory) -> None:
    factory.org("acme")
    bad_issuer = laurel("oidc", "set", "--org", "acme", "--issuer", "ftp://x", "--client-id", "c")
    assert bad_issuer.exit_code == 1 and "issuer" in bad_issuer.output
    plain_http = laurel(
        "oidc", "set", "--org", "acme", "--issuer", "http://lms.example", "--client-id", "c"
    )
    assert plain_http.exit_code == 1 and "must be an https URL" in plain_http.output
    no_org = laurel(
        "oidc", "set", "--org", "nope", "--issuer", "https://x.example", "--client-id", "c",
        "--no-check",
    )  # fmt: skip
    assert no_org.exit_code == 1 and 'no organization "nope"' in no_org.output


def test_admin_api(factory: Factory) -> None:
    admin = factory.caller("acme", [scopes.SIGNIN_ADMIN])
    client = factory.client
    assert client.get("/api/v1/oidc-provider", headers=admin.headers).status_code == 404
    body = {
        "issuer": "https://lms.example.edu/oauth2/",
        "client_id": "laurel",
        "client_secret": "s3cret",
        "user_id_claim": "preferred_username",
    }
    put = client.put("/api/v1/oidc-provider", json=body, headers=admin.headers)
    assert put.status_code == 200, put.text
    out = put.json()
    assert out["issuer"] == "https://lms.example.edu/oauth2"  # no trailing slash
    assert out["has_client_secret"] is True and "s3cret" not in put.text
    assert out["redirect_uri"] == "https://laurel.test/signin/callback"
    # Leaving the secret out keeps it.
    body.pop("client_secret")
    kept = client.put("/api/v1/oidc-provider", json=body, headers=admin.headers).json()
    assert kept["has_client_secret"] is True

    for bad, field in (
        ({**body, "scopes": "profile"}, "scopes"),
        ({**body, "user_id_claim": "a b"}, "user_id_claim"),
        ({**body, "issuer": "https://x.example/?q=1"}, "issuer"),
        ({**body, "extra": 1}, "extra"),
    ):
        refused = client.put("/api/v1/oidc-provider", json=bad, headers=admin.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert field in refused.text

    other = factory.caller("acme", [scopes.CATALOG_READ])
    assert client.get("/api/v1/oidc-provider", headers=other.headers).status_code == 403
    globex = factory.caller("globex", [scopes.SIGNIN_ADMIN])  # another organization: none
    assert client.get("/api/v1/oidc-provider", headers=globex.headers).status_code == 404

    assert client.delete("/api/v1/oidc-provider", headers=admin.headers).status_code == 204
    assert client.get("/api/v1/oidc-provider", headers=admin.headers).status_code == 404
