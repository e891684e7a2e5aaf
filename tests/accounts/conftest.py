"""Fixtures of learner accounts: separate browsers (each its own cookie jar) on one app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.accounts import providers
from app.accounts.schemas import ProviderSettings
from app.config import Settings
from app.container import Services
from app.db import session_scope
from app.models import Organization
from tests.accounts.oidc_server import Browser, OidcTestProvider, oidc_provider
from tests.conftest import BASE_URL

__all__ = ["oidc_provider"]


@pytest.fixture
def new_browser(app_client: TestClient) -> Iterator[Callable[[], TestClient]]:
    """Another browser on the same app: its own cookies, no redirects followed."""
    made: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app_client.app, base_url=BASE_URL, follow_redirects=False)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test OIDC provider speaks plain http on loopback: allowed like a private
    deployment's (LAUREL_FETCH_ALLOWED_HOSTS)."""
    return settings.model_copy(update={"fetch_allowed_hosts": ["127.0.0.1"]})


@pytest.fixture
def browser(app_client: TestClient) -> Iterator[Browser]:
    """A browser (own cookie jars) on Laurel and on the test OIDC provider."""
    laurel = TestClient(app_client.app, base_url=BASE_URL, follow_redirects=False)
    made = Browser(laurel)
    yield made
    made.close()
    laurel.close()


@pytest.fixture
def another_browser(app_client: TestClient) -> Iterator[Browser]:
    laurel = TestClient(app_client.app, base_url=BASE_URL, follow_redirects=False)
    made = Browser(laurel)
    yield made
    made.close()
    laurel.close()


def configure_provider(
    services: Services,
    org: Organization,
    provider: OidcTestProvider,
    claim: str = "preferred_username",
) -> None:
    """The organization's sign-in settings pointing at the test provider."""
    client_id, secret = provider.client_of(org.slug)
    with session_scope(services.engine) as session:
        providers.configure(
            session,
            org,
            ProviderSettings(
                issuer=provider.issuer,
                client_id=client_id,
                client_secret=secret,
                user_id_claim=claim,
            ),
        )
