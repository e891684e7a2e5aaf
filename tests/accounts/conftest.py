"""Fixtures of learner accounts: separate browsers (each its own cookie jar) on one app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BASE_URL


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
