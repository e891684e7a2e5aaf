"""OID4VCI c_nonces are signed and expiring: handing them out writes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.container import Services
from app.db import utcnow
from app.models import WalletNonce
from app.wallet.nonces import NonceSigner, key_file, key_from_secret

TTL = timedelta(minutes=5)


def _rows(services: Services) -> int:
    with Session(services.engine) as session:
        return session.exec(select(func.count()).select_from(WalletNonce)).one()


def test_the_nonce_endpoint_writes_nothing(app_client: TestClient, services: Services) -> None:
    issued = set()
    for _ in range(50):
        answer = app_client.post("/oid4vci/nonce")
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        issued.add(answer.json()["c_nonce"])
    assert len(issued) == 50
    assert _rows(services) == 0
    now = utcnow()
    assert all(services.wallet.nonces.expiry(n, now) is not None for n in issued)


def test_only_nonces_signed_here_and_unexpired_count() -> None:
    signer = NonceSigner(lambda: key_from_secret("one"), TTL)
    now = utcnow()
    nonce = signer.issue(now)
    expiry = signer.expiry(nonce, now)
    assert expiry is not None and expiry > now
    assert signer.expiry(nonce, now + TTL + timedelta(seconds=1)) is None
    other = NonceSigner(lambda: key_from_secret("two"), TTL)
    assert other.expiry(nonce, now) is None
    flipped = nonce[:5] + ("A" if nonce[5] != "A" else "B") + nonce[6:]
    for bad in (flipped, "", "not-a-nonce", nonce + "AAAA", "x" * 500):
        assert signer.expiry(bad, now) is None


def test_workers_share_the_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = NonceSigner(lambda: key_file(keys), TTL)
    second = NonceSigner(lambda: key_file(keys), TTL)
    now = utcnow()
    assert second.expiry(first.issue(now), now) is not None
    assert (keys / "nonce.key").stat().st_mode & 0o077 == 0
    assert [p.name for p in keys.iterdir()] == ["nonce.key"]
