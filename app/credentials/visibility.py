"""Who may see a credential: before its course's certificate available date (``public_from``)
nobody but the LMS may, and a credential its learner hid (``/me``) only that learner may. Every
public way in (the credential URL, its page, downloads, wallet pages and the verifier's own
lookups) asks here, so the embargo has one rule. A renewed credential's page finds its current
renewal here too. Hiding changes nothing in the credential or its status list entry."""

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


def visible_to(session: Session, record: IssuedCredential, viewer_account: int | None) -> bool:
    """Not hidden, or hidden by ``viewer_account`` (the signed-in owner still sees it)."""
    owner = repository.hidden_by(session, record.uuid)
    return owner is None or owner == viewer_account


def is_hidden(session: Session, record: IssuedCredential) -> bool:
    return repository.hidden_by(session, record.uuid) is not None


def public_credential(
    session: Session, uuid: str, viewer_account: int | None = None
) -> IssuedCredential:
    """The credential behind a public URL; missing, not-yet-public and hidden from this viewer
    look the same (404). ``viewer_account``: the signed-in person's account, if any."""
    record = repository.by_uuid(session, uuid.lower())
    if record is None or not is_public(record) or not visible_to(session, record, viewer_account):
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
