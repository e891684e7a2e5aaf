"""``Idempotency-Key`` for POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

One transaction holds the key's row, the work and the stored response: the first request
with a key inserts the row (a unique row per client and key), runs, and stores its response;
all of it commits together with the request. A concurrent duplicate's insert waits on the
unique key until the first finishes: if it committed, the duplicate replays its response; if
it rolled back (an unexpected error), the duplicate runs instead. So a key has exactly one
effect, and a crash never leaves a half-made reservation behind. The same key with a
different request is a 409. Keys are kept for 24 hours.
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
) -> StoredResponse | IdempotencyKey:
    """The stored response to replay, or this request's own row (in its transaction)."""
    for _ in range(3):
        row = _find(session, client_id, key)
        now = utcnow()
        if row is not None:
            age = now - as_utc(row.created_at)
            expired = age > RETENTION or (row.status_code is None and age > ABANDONED)
            if not expired:
                return _replay(row, fingerprint)
        fresh = IdempotencyKey(org_id=org_id, client_id=client_id, key=key, fingerprint=fingerprint)
        try:
            with session.begin_nested():  # a concurrent winner undoes only this insert
                if row is not None:
                    session.delete(row)
                    session.flush()
                session.add(fresh)
        except IntegrityError:  # a concurrent request with this key committed: look again
            continue
        return fresh
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


def complete(session: Session, row: IdempotencyKey, response: StoredResponse) -> None:
    """Store the response with the key, in the same transaction as the work."""
    row.status_code = response.status_code
    row.response_body = response.body
    row.media_type = response.media_type
    session.add(row)
    session.flush()
