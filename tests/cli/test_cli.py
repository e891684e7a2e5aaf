"""The `laurel` command: a contract that operators and integrations script against."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _laurel(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LAUREL_KEYS_DIR": str(tmp_path / "keys"),
        "LAUREL_BASE_URL": "https://cli.laurel.test",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    result = _laurel(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_orgs_clients_keys(migrated: Path) -> None:
    created = _laurel(
        migrated,
        "orgs",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme U",
        "--url",
        "https://acme.example",
    )
    assert created.returncode == 0, created.stderr
    assert "did:web:cli.laurel.test:orgs:acme" in created.stdout

    client = _laurel(migrated, "clients", "create", "--org", "acme", "--json")
    assert client.returncode == 0, client.stderr
    body = json.loads(client.stdout)
    assert set(body) >= {"client_id", "client_secret"}
    assert "credentials:issue" in body["scope"].split()

    scoped = _laurel(
        migrated, "clients", "create", "--org", "acme", "--scope", "credentials:read", "--json"
    )
    assert json.loads(scoped.stdout)["scope"] == "credentials:read"

    keys = _laurel(migrated, "keys", "list", "--json")
    rows = json.loads(keys.stdout)
    assert {r["org"] for r in rows} == {"(instance)", "acme"}
    assert all(r["status"] == "active" for r in rows)
    assert "PRIVATE" not in keys.stdout


def test_errors_are_clear_and_nonzero(migrated: Path) -> None:
    _laurel(migrated, "orgs", "create", "--slug", "acme", "--name", "Acme")
    again = _laurel(migrated, "orgs", "create", "--slug", "acme", "--name", "Acme")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    missing = _laurel(migrated, "clients", "create", "--org", "nope")
    assert missing.returncode == 1
    assert 'no organization "nope"' in missing.stderr
    bad_slug = _laurel(migrated, "orgs", "create", "--slug", "Bad Slug!", "--name", "x")
    assert bad_slug.returncode == 1
    bad_scope = _laurel(migrated, "clients", "create", "--org", "acme", "--scope", "root")
    assert bad_scope.returncode == 1 and 'unknown scope "root"' in bad_scope.stderr


def test_bad_setting_stops_with_the_fix(tmp_path: Path) -> None:
    env = {**os.environ, "LAUREL_BASE_URL": "ftp://nope"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "orgs", "list"],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert "LAUREL_BASE_URL" in result.stderr
