"""A full or read-only keys directory: a 503 problem naming it, and no stray key file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlmodel import Session

from app.issuers.keys.files import KeysDirUnavailable, write_private_key
from app.issuers.keys.repository import all_keys
from tests.factories import Factory
from tests.fs import no_space, read_only


def test_read_only_keys_dir_rotation_is_a_503_naming_the_dir(factory: Factory) -> None:
    caller = factory.caller("acme")
    keys_dir = factory.services.settings.keys_dir
    files_before = sorted(os.listdir(keys_dir))
    with read_only(keys_dir):
        answer = factory.client.post("/api/v1/keys/rotate", json={}, headers=caller.headers)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("/keys-dir-unavailable")
    assert str(keys_dir) in problem["detail"] and "LAUREL_KEYS_DIR" in problem["detail"]
    assert sorted(os.listdir(keys_dir)) == files_before
    with Session(factory.services.engine) as session:  # the old key is still the active one
        rows = all_keys(session, caller.org.id)
    assert [r.status for r in rows] == ["active"]


def test_a_full_disk_leaves_no_partial_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "write", no_space)
    keys_dir = tmp_path / "keys"
    with pytest.raises(KeysDirUnavailable, match="No space left on device") as info:
        write_private_key(keys_dir, "org1-ed25519-x.pem", ed25519.Ed25519PrivateKey.generate())
    assert str(keys_dir) in info.value.detail and info.value.status == 503
    assert os.listdir(keys_dir) == []
