"""E-mail tests: a real SMTP server on loopback, and settings that send to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.container import Services
from tests.conftest import BASE_URL
from tests.notifications.smtpd import Inbox, smtp_server


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, engine: Engine, inbox: Inbox) -> Settings:
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
        smtp_url=inbox.url,
        mail_from="Acme Credentials <credentials@acme.test>",
        outbox_backoff_seconds=0,
        outbox_max_attempts=3,
    )


@pytest.fixture
def worker(services: Services):  # type: ignore[no-untyped-def]
    from app.cli.mail import make_worker

    return make_worker(services, name="test-worker")
