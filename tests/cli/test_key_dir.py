"""`laurel` on a full or read-only keys directory: one line and an exit code, no traceback."""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import Laurel
from tests.factories import Factory
from tests.fs import no_space, read_only


def test_cli_on_a_read_only_keys_dir_says_so_in_one_line(laurel: Laurel, factory: Factory) -> None:
    factory.org("acme")
    keys_dir = factory.services.settings.keys_dir
    with read_only(keys_dir):
        result = laurel("orgs", "create", "--slug", "beta", "--name", "Beta")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and str(keys_dir) in result.stderr
    assert "LAUREL_KEYS_DIR" in result.stderr


def test_cli_on_a_full_keys_dir_says_so_in_one_line(
    laurel: Laurel, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory.org("acme")
    keys_dir = factory.services.settings.keys_dir
    files_before = sorted(os.listdir(keys_dir))
    monkeypatch.setattr(os, "write", no_space)
    result = laurel("keys", "rotate", "--org", "acme")
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: cannot write a new key file in the keys directory")
    assert result.stderr.count("\n") == 1
    assert sorted(os.listdir(keys_dir)) == files_before
