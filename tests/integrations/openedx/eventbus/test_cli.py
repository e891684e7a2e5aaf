"""`laurel consume` in-process: which stream it reads, and the setting it cannot do without."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings
from tests.factories import Factory
from tests.integrations.openedx.conftest import Site, connect_org
from tests.integrations.openedx.eventbus.conftest import TOPIC

Laurel = Callable[..., Result]


@pytest.fixture
def laurel(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Laurel]:
    monkeypatch.setenv("LAUREL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LAUREL_KEYS_DIR", str(settings.keys_dir))
    monkeypatch.setenv("LAUREL_BASE_URL", settings.public_base_url())
    monkeypatch.delenv("LAUREL_EVENT_BUS_REDIS_URL", raising=False)
    monkeypatch.delenv("LAUREL_REDIS_URL", raising=False)
    monkeypatch.setenv("LAUREL_EVENT_BUS_PROGRESS_SECONDS", "0")
    runner = CliRunner()

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args))

    yield run
    get_settings.cache_clear()


def test_without_a_redis_url_it_says_which_setting(laurel: Laurel, site: Site) -> None:
    result = laurel("consume", "--topic", TOPIC, "--group", "laurel")
    assert result.exit_code == 2
    assert "LAUREL_EVENT_BUS_REDIS_URL" in result.output


def test_the_connected_sites_prefix_names_the_stream(
    laurel: Laurel,
    site: Site,
    bus_url: str,
    prefix: str,
    redis_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect_org(site.services, site.org, topic_prefix=prefix)
    monkeypatch.setenv("LAUREL_EVENT_BUS_REDIS_URL", bus_url)
    result = laurel("consume", "--topic", TOPIC, "--group", "g", "--consumer", "c", "--until-idle")
    assert result.exit_code == 0, result.output
    assert f"consuming {prefix}-{TOPIC} as g/c" in result.output
    assert redis_client.exists(f"{prefix}-{TOPIC}")  # the group was made with MKSTREAM
    # --topic-prefix wins over the connection
    result = laurel("consume", "--topic", TOPIC, "--group", "g", "--topic-prefix",
                    f"{prefix}-other", "--until-idle")  # fmt: skip
    assert f"consuming {prefix}-other-{TOPIC}" in result.output


def test_sites_with_different_prefixes_need_one_named(
    laurel: Laurel,
    site: Site,
    factory: Factory,
    bus_url: str,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect_org(site.services, site.org, topic_prefix=f"{prefix}-a")
    connect_org(site.services, factory.org("beta"), ("Beta",), topic_prefix=f"{prefix}-b")
    monkeypatch.setenv("LAUREL_EVENT_BUS_REDIS_URL", bus_url)
    result = laurel("consume", "--topic", TOPIC, "--group", "g")
    assert result.exit_code == 1
    assert "--topic-prefix" in result.output
