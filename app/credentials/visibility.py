"""Who may see a credential: before its course's certificate available date (``public_from``)
nobody but the LMS may. Every public way in (the credential URL, its page, downloads, wallet
pages and the verifier's own lookups) asks here, so the embargo has one rule. A renewed
credential's page finds its current renewal here too."""

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


def current_renewal(session: Session, record: IssuedCredential) -> IssuedCredential | None:
    """The newest public renewal of ``record`` (renewals of renewals followed), if any: its
    page points there as the current credential."""
    newest, seen = None, {record.uuid}
    follower = repository.renewal_of(session, record.uuid)
    while follower is not None and follower.uuid not in seen and is_public(follower):
        newest = follower
        seen.add(follower.uuid)
        follower = repository.renewal_of(session, follower.uuid)
    return newest
