"""The `laurel` command: a contract that operators and integrations script against."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Laurel

ROOT = Path(__file__).resolve().parents[2]


def test_orgs_clients_keys(laurel: Laurel) -> None:
    assert laurel("migrate").exit_code == 0
    created = laurel(
        "orgs", "create", "--slug", "acme", "--name", "Acme U", "--url", "https://acme.example"
    )
    assert created.exit_code == 0, created.output
    assert "did:web:laurel.test:orgs:acme" in created.stdout

    client = laurel("clients", "create", "--org", "acme", "--json")
    assert client.exit_code == 0, client.output
    body = json.loads(client.stdout)
    assert set(body) >= {"client_id", "client_secret"}
    assert "credentials:issue" in body["scope"].split()

    scoped = laurel("clients", "create", "--org", "acme", "--scope", "credentials:read", "--json")
    assert json.loads(scoped.stdout)["scope"] == "credentials:read"

    keys = laurel("keys", "list", "--json")
    rows = json.loads(keys.stdout)
    assert {r["org"] for r in rows} == {"(instance)", "acme"}
    assert all(r["status"] == "active" for r in rows)
    assert "PRIVATE" not in keys.stdout

    listed = laurel("orgs", "list")
    assert listed.stdout.startswith("acme\tAcme U\tdid:web:laurel.test:orgs:acme")


def test_errors_are_clear_and_nonzero(laurel: Laurel) -> None:
    laurel("orgs", "create", "--slug", "acme", "--name", "Acme")
    again = laurel("orgs", "create", "--slug", "acme", "--name", "Acme")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    missing = laurel("clients", "create", "--org", "nope")
    assert missing.exit_code == 1
    assert 'no organization "nope"' in missing.stderr
    bad_slug = laurel("orgs", "create", "--slug", "Bad Slug!", "--name", "x")
    assert bad_slug.exit_code == 1
    bad_scope = laurel("clients", "create", "--org", "acme", "--scope", "root")
    assert bad_scope.exit_code == 1 and 'unknown scope "root"' in bad_scope.stderr


def test_bad_setting_stops_with_the_fix(laurel: Laurel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUREL_BASE_URL", "ftp://nope")
    result = laurel("orgs", "list")
    assert result.exit_code == 2
    assert "LAUREL_BASE_URL" in result.stderr


@pytest.mark.slow
def test_entry_points_run_as_installed(tmp_path: Path) -> None:
    """The `laurel` script and `python -m app.cli`, as operators run them (a fresh process)."""
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LAUREL_KEYS_DIR": str(tmp_path / "keys"),
        "LAUREL_BASE_URL": "https://cli.laurel.test",
    }
    script = Path(sys.executable).parent / "laurel"
    migrated = subprocess.run(
        [str(script), "migrate"], env=env, text=True, capture_output=True, timeout=120, cwd=ROOT
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "latest revision" in migrated.stdout
    assert stat.S_IMODE((tmp_path / "cli.db").stat().st_mode) == 0o600
    bad = subprocess.run(
        [sys.executable, "-m", "app.cli", "orgs", "list"],
        env={**env, "LAUREL_BASE_URL": "ftp://nope"},
        text=True,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "LAUREL_BASE_URL" in bad.stderr
    assert "Traceback" not in bad.stderr
