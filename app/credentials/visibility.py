"""Who may see a credential: before its course's certificate available date (``public_from``)
nobody but the LMS may. Every public way in (the credential URL, its page, downloads, wallet
pages and the verifier's own lookups) asks here, so the embargo has one rule."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from app.credentials import repository
from app.db import as_utc
from app.errors import NotFound
from app.models import IssuedCredential


def is_public(record: IssuedCredential, now: datetime | None = None) -> bool:
    """False before the course's certificate available date (``public_from``)."""
    if record.public_from is None:
        return True
    return as_utc(record.public_from) <= (now or datetime.now(UTC))


def public_credential(session: Session, uuid: str) -> IssuedCredential:
    """The credential behind a public URL; missing and not-yet-public look the same (404)."""
    record = repository.by_uuid(session, uuid.lower())
    if record is None or not is_public(record):
        raise NotFound(f'no credential "{uuid}"', field="uuid")
    return record
