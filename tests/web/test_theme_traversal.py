"""Theme assets stay inside their theme's folder: no "..", no "%2e%2e", no symlink out.

The requests go over a real socket (http.client sends the path as written; httpx would remove
the dot segments first) to uvicorn, which percent-decodes the path as a deployment does.
"""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT, Settings
from app.web.themes import ThemeRegistry
from tests.conftest import BASE_URL

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _plant(templates: Path) -> None:
    """Images a request must never reach, beside a normal theme."""
    (templates / "secret.png").write_bytes(PNG)  # in templates/, one level above themes/
    (templates / "themes" / "stray.png").write_bytes(PNG)  # in themes/, outside any theme
    outside = templates.parent / "outside"
    outside.mkdir()
    (outside / "logo.png").write_bytes(PNG)
    (templates / "themes" / "northwind" / "escape.png").symlink_to(templates / "secret.png")
    (templates / "themes" / "linked").symlink_to(outside, target_is_directory=True)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    templates = tmp_path / "site" / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    _plant(templates)
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
        templates_dir=templates,
    )


def _get(base: str, path: str) -> int:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/themes/../secret.png",
        "/themes/%2e%2e/secret.png",
        "/themes/%2E%2E/secret.png",
        "/themes/.%2e/secret.png",
        "/themes/./stray.png",
        "/themes/%2e/stray.png",
        "/themes/northwind/..%2f..%2fsecret.png",
        "/themes/northwind/%2e%2e%2f%2e%2e%2fsecret.png",
        "/themes/northwind/..%5c..%5csecret.png",
        "/themes/northwind/escape.png",
        "/themes/linked/logo.png",
    ],
)
def test_traversal_is_404(live_server: str, path: str) -> None:
    assert _get(live_server, "/themes/northwind/logo.svg") == 200  # the theme itself is served
    assert _get(live_server, path) == 404


def test_asset_path_refuses_what_resolves_outside_the_theme(settings: Settings) -> None:
    registry = ThemeRegistry(settings.templates_dir / "themes")
    assert registry.asset_path("northwind", "logo.svg") is not None
    for slug, name in [
        ("..", "secret.png"),
        (".", "stray.png"),
        ("northwind", "escape.png"),
        ("linked", "logo.png"),
        ("northwind/..", "secret.png"),
        ("Northwind", "logo.svg"),
    ]:
        assert registry.asset_path(slug, name) is None, (slug, name)
