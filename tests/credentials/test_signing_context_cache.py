"""The cached signing context (issue 13): one worker keeps its organization's key in memory,
and a key change made by another process is seen by that worker's very next credential."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import Settings
from app.container import Services
from app.credentials.issuance import IssueOptions
from app.db import session_scope
from app.issuers.keys.repository import active_key
from app.issuers.organizations import create_organization, organization
from app.models import KeyType
from tests.factories import open_badge

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def issue(services: Services, org_id: int) -> dict[str, Any]:
    """One request's worth: a fresh transaction reads the organization, then issues."""
    with session_scope(services.engine) as session:
        org = organization(session, org_id)
        record = services.issuance.issue(session, org, open_badge(), IssueOptions())
        return json.loads(record.document)


def other_process(settings: Settings, *args: str) -> str:
    """`laurel ...` in a separate process on the same database and keys directory."""
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": settings.database_url,
        "LAUREL_KEYS_DIR": str(settings.keys_dir),
        "LAUREL_BASE_URL": settings.public_base_url(),
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def active_fragment(services: Services, org_id: int) -> str:
    with session_scope(services.engine) as session:
        key = active_key(session, org_id, KeyType.ED25519)
        assert key is not None
        return key.fragment


def test_the_signing_key_is_read_once_then_cached(services: Services) -> None:
    with session_scope(services.engine) as session:
        org_id = create_organization(session, services.keyring, slug="acme", name="Acme").id
    issue(services, org_id)
    with statements(services.engine) as seen:
        issue(services, org_id)
    assert not [s for s in seen if "signing_keys" in s], seen


def test_a_rotation_in_another_process_signs_the_next_credential(
    services: Services, settings: Settings
) -> None:
    with session_scope(services.engine) as session:
        org_id = create_organization(session, services.keyring, slug="acme", name="Acme").id
    before = active_fragment(services, org_id)
    first = issue(services, org_id)
    assert first["proof"]["verificationMethod"].endswith("#" + before)

    other_process(settings, "keys", "rotate", "--org", "acme")
    after = active_fragment(services, org_id)
    assert after != before

    second = issue(services, org_id)  # this worker's cache held the old key
    assert second["proof"]["verificationMethod"].endswith("#" + after)


def test_a_revocation_in_another_process_is_never_signed_with_again(
    services: Services, settings: Settings
) -> None:
    with session_scope(services.engine) as session:
        org_id = create_organization(session, services.keyring, slug="acme", name="Acme").id
    revoked = active_fragment(services, org_id)
    issue(services, org_id)

    other_process(settings, "keys", "revoke", "--kid", revoked, "--yes")

    after = issue(services, org_id)
    assert not after["proof"]["verificationMethod"].endswith("#" + revoked)
    assert after["proof"]["verificationMethod"].endswith("#" + active_fragment(services, org_id))
