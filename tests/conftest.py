"""Shared fixtures: settings in a temp dir, both databases, an app client, factories.

Outbound network is blocked for the whole suite (pytest-socket, ``--allow-hosts`` loopback
only, in pyproject.toml): issuance must never fetch anything. Under pytest-xdist each worker
has its own PostgreSQL database and Redis db (tests/databases.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.container import Services, build_services, prepare
from app.db import make_engine
from app.main import create_app
from app.migrations import upgrade
from tests.databases import PostgresCleaner, ensure_database, use_worker_databases
from tests.factories import Factory
from tests.lms import Lms

BASE_URL = "https://laurel.test"
_SQLITE_TEMPLATE: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    """In an xdist worker, before any test module is imported: the worker's own databases."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        use_worker_databases(worker)


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url and os.environ.get("CI"):
        raise RuntimeError("CI must set TEST_DATABASE_URL to a real PostgreSQL")
    return url


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = _postgres_url()
    if not url:
        pytest.skip("TEST_DATABASE_URL not set (PostgreSQL tests run in CI)")
    url = Settings(database_url=url).database_url
    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:  # a clean schema, then the real migrations
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _sqlite_template(tmp_root: Path) -> Path:
    global _SQLITE_TEMPLATE
    if _SQLITE_TEMPLATE is None or not _SQLITE_TEMPLATE.exists():
        path = tmp_root / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        _SQLITE_TEMPLATE = path
    return _SQLITE_TEMPLATE


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_engine: Engine) -> PostgresCleaner:
    return PostgresCleaner(postgres_engine)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[Engine]:
    """Every database test runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        cleaner: PostgresCleaner = request.getfixturevalue("postgres_cleaner")
        cleaner.clean()
        yield cleaner.engine
        return
    db = tmp_path / "laurel.db"
    shutil.copy(_sqlite_template(tmp_path_factory.getbasetemp()), db)
    eng = make_engine(f"sqlite:///{db}")
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
    )


@pytest.fixture
def services(settings: Settings, engine: Engine) -> Services:
    built = build_services(settings, engine)
    prepare(built)
    return built


@pytest.fixture
def session(services: Services) -> Iterator[Session]:
    with Session(services.engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app_client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def factory(services: Services, app_client: TestClient) -> Factory:
    return Factory(services, app_client)


@pytest.fixture
def lms(factory: Factory) -> Lms:
    """An LMS of the organization "acme", over the real HTTP API (tests/lms.py)."""
    return Lms(factory, factory.caller("acme"))
