"""Key files: created at first start, mode 0600, never in responses, logs or errors."""

from __future__ import annotations

import logging
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from app.issuers.keys.files import KeyFileError, read_private_key
from app.issuers.keys.repository import all_keys
from tests.factories import Factory


def test_key_files_are_0600_in_a_0700_dir(factory: Factory, session) -> None:
    factory.org("acme")
    keys_dir = factory.services.settings.keys_dir
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    rows = all_keys(session)
    assert len(rows) == 2  # instance + acme
    for row in rows:
        assert stat.S_IMODE((keys_dir / row.file_name).stat().st_mode) == 0o600


def test_private_key_never_in_responses_or_logs(
    factory: Factory, session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caller = factory.caller()
    vc = factory.issue(caller)
    texts = [
        factory.client.get(p).text
        for p in (
            "/.well-known/did.json",
            "/orgs/acme/did.json",
            "/.well-known/jwks.json",
            f"/credentials/{vc['id'][9:]}",
            "/openapi.json",
        )
    ]
    texts.append(caplog.text)
    for row in all_keys(session):
        private = factory.services.keyring.private_key(row)
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        pem = (factory.services.settings.keys_dir / row.file_name).read_text()
        secrets_ = [raw.hex(), pem.splitlines()[1], _b64url(raw), _b58(raw)]
        for text in texts:
            for secret in secrets_:
                assert secret not in text
        assert raw.hex() not in repr(factory.services.keyring)


def test_world_readable_key_file_is_refused(factory: Factory, session) -> None:
    row = all_keys(session)[0]
    path = factory.services.settings.keys_dir / row.file_name
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600") as info:
        read_private_key(path.parent, path.name)
    assert "PRIVATE" not in str(info.value)


def test_garbage_key_file_error_quotes_no_content(tmp_path) -> None:
    path = tmp_path / "k.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0c2VjcmV0\n-----END PRIVATE KEY-----\n")
    path.chmod(0o600)
    with pytest.raises(KeyFileError) as info:
        read_private_key(tmp_path, "k.pem")
    assert "c2VjcmV0" not in str(info.value)
    assert info.value.__cause__ is None


def _b64url(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b58(raw: bytes) -> str:
    from app.core.multiformats import base58btc_encode

    return base58btc_encode(raw)
