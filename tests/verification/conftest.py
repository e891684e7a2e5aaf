"""Fixtures: a real HTTPS issuer on 127.0.0.1, allowed by setting, and a verifier that trusts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.container import Services
from app.core.jsonld import ContextStore, FastCanonicalizer, JsonLdProcessor, default_contexts_dir
from app.core.proofs.data_integrity import DataIntegrityEngine
from app.verification.fetch import Fetcher
from tests.conftest import BASE_URL
from tests.verification.harness import RemoteIssuer, StubServer, TlsPair, make_tls


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsPair:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def _https_server(tls: TlsPair) -> Iterator[StubServer]:
    server = StubServer(tls.server)
    yield server
    server.close()


@pytest.fixture
def https_server(_https_server: StubServer) -> StubServer:
    _https_server.reset()
    return _https_server


@pytest.fixture(scope="session")
def signing_engine() -> DataIntegrityEngine:
    """The remote issuer's own signing engine (its contexts, no Laurel services)."""
    processor = JsonLdProcessor(ContextStore.from_directory(default_contexts_dir()))
    return DataIntegrityEngine(processor, FastCanonicalizer(processor))


@pytest.fixture
def remote(https_server: StubServer, signing_engine: DataIntegrityEngine) -> RemoteIssuer:
    issuer = RemoteIssuer(https_server, signing_engine, ("issuers", "elsewhere"))
    issuer.publish()
    return issuer


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    """As in tests/conftest.py, with the loopback host allowed (LAUREL_FETCH_ALLOWED_HOSTS)."""
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
        fetch_allowed_hosts=["127.0.0.1"],
        fetch_timeout_seconds=2.0,
    )


@pytest.fixture
def verifier_services(services: Services, tls: TlsPair) -> Services:
    """The app's services; the verifier's fetcher keeps the settings' policy and trusts the
    test CA (a private deployment would add its CA the same way)."""
    policy = services.verifier.fetcher.policy  # type: ignore[union-attr]
    assert "127.0.0.1" in policy.allowed_hosts
    services.verifier.fetcher = Fetcher(policy, verify=tls.client)
    return services
