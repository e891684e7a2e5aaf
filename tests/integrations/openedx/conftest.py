"""An organization connected to an Open edX site, for the service and the REST tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.container import Services
from app.db import session_scope
from app.integrations.openedx.connections import ConnectionSettings, connect
from app.models import Organization
from tests.conftest import BASE_URL
from tests.factories import Factory

ISSUER = "https://lms.example.org/oauth2"
AUDIENCE = "lms-key"
SECRET = "lms-jwt-secret-0123456789abcdef-0123"  # JWT_AUTH['JWT_SECRET_KEY'] of the LMS
SERVICE_USER = "credentials_service_user"
RUN = "course-v1:Acme+CS101+2026_T1"


@dataclass
class Site:
    org: Organization
    services: Services


def connect_org(
    services: Services,
    org: Organization,
    codes: tuple[str, ...] = ("Acme",),
    **fields: str | None,
) -> None:
    wanted = ConnectionSettings(
        jwt_issuer=str(fields.pop("jwt_issuer", ISSUER)),
        jwt_audience=str(fields.pop("jwt_audience", AUDIENCE)),
        service_user=str(fields.pop("service_user", SERVICE_USER)),
        jwt_secret=fields.pop("jwt_secret", SECRET),
        course_orgs=codes,
        **fields,  # type: ignore[arg-type]
    )
    with session_scope(services.engine) as session:
        connect(session, org, wanted)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    """As in tests/conftest.py, with the loopback JWKS server allowed
    (LAUREL_FETCH_ALLOWED_HOSTS)."""
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
        fetch_allowed_hosts=["127.0.0.1"],
        fetch_timeout_seconds=1.0,
    )


@pytest.fixture
def site(factory: Factory, services: Services) -> Site:
    org = factory.org("acme")
    connect_org(services, org)
    return Site(org, services)
