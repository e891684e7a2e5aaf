"""Run `laurel` in-process (typer's CliRunner) against the test database and keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings

Laurel = Callable[..., Result]


@pytest.fixture
def laurel(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Laurel]:
    """`laurel(*args, input=...)`: the real command on the `settings` database and keys dir."""
    monkeypatch.setenv("LAUREL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LAUREL_KEYS_DIR", str(settings.keys_dir))
    monkeypatch.setenv("LAUREL_BASE_URL", settings.public_base_url())
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args), input=input)

    yield run
    get_settings.cache_clear()
