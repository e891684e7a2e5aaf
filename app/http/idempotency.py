"""``Idempotency-Key`` for POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

The first request with a key reserves it (a unique row per client and key), runs, and stores
its response. A retry with the same key and the same request gets the stored response; the
same key with a different request is a 409, and so is a retry while the first is still
running. Keys are kept for 24 hours; a reservation abandoned by a crash expires after 5
minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import as_utc, utcnow
from app.errors import Conflict
from app.models import IdempotencyKey

RETENTION = timedelta(hours=24)
ABANDONED = timedelta(minutes=5)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    media_type: str


class KeyInUse(Conflict):
    """The key names another request, or its first request has not finished."""


def _find(session: Session, client_id: str, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.client_id == client_id, IdempotencyKey.key == key
    )
    return session.exec(stmt).first()


def reserve(
    session: Session, org_id: int, client_id: str, key: str, fingerprint: str
) -> StoredResponse | int:
    """The stored response to replay, or the id of a fresh reservation to complete."""
    for _ in range(3):
        row = _find(session, client_id, key)
        now = utcnow()
        if row is not None:
            age = now - as_utc(row.created_at)
            expired = age > RETENTION or (row.status_code is None and age > ABANDONED)
            if not expired:
                return _replay(row, fingerprint)
            session.delete(row)
            session.flush()
        session.add(
            IdempotencyKey(org_id=org_id, client_id=client_id, key=key, fingerprint=fingerprint)
        )
        try:
            session.commit()
        except IntegrityError:  # a concurrent request reserved it first: look again
            session.rollback()
            continue
        reserved = _find(session, client_id, key)
        assert reserved is not None and reserved.id is not None
        return reserved.id
    raise KeyInUse("the Idempotency-Key is contended; retry", field="Idempotency-Key")


def _replay(row: IdempotencyKey, fingerprint: str) -> StoredResponse:
    if row.fingerprint != fingerprint:
        raise KeyInUse(
            "this Idempotency-Key was used with a different request", field="Idempotency-Key"
        )
    if row.status_code is None or row.response_body is None:
        raise KeyInUse(
            "a request with this Idempotency-Key is still being processed; retry later",
            field="Idempotency-Key",
        )
    return StoredResponse(row.status_code, row.response_body, row.media_type or "application/json")


def complete(session: Session, reservation: int, response: StoredResponse) -> None:
    row = session.get(IdempotencyKey, reservation)
    if row is None:
        return
    row.status_code = response.status_code
    row.response_body = response.body
    row.media_type = response.media_type
    session.add(row)
    session.commit()


def release(session: Session, reservation: int) -> None:
    """The request failed unexpectedly: free the key so that a retry runs again."""
    session.rollback()
    row = session.get(IdempotencyKey, reservation)
    if row is not None:
        session.delete(row)
        session.commit()
