"""Bad settings stop start-up with a message that says how to fix them."""

from __future__ import annotations

import pytest

from app.config import SettingsError, load_settings


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"LAUREL_BASE_URL": "ftp://x"}, "LAUREL_BASE_URL"),
        ({"LAUREL_BASE_URL": "not a url"}, "LAUREL_BASE_URL"),
        ({"LAUREL_DATABASE_URL": "mysql://x"}, "LAUREL_DATABASE_URL"),
        ({"LAUREL_ACCESS_TOKEN_TTL_SECONDS": "-5"}, "LAUREL_ACCESS_TOKEN_TTL_SECONDS"),
    ],
)
def test_invalid_settings_name_the_variable(monkeypatch, env, needle) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert needle in str(info.value)


def test_postgres_urls_use_psycopg(monkeypatch) -> None:
    monkeypatch.setenv("LAUREL_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
    assert load_settings().database_url.startswith("postgresql+psycopg://")
