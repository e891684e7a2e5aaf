"""All queries on issued credentials."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import HiddenCredential, IssuedCredential


def by_uuid(session: Session, uuid: str) -> IssuedCredential | None:
    return session.get(IssuedCredential, uuid)


def by_credential_id(session: Session, credential_id: str) -> IssuedCredential | None:
    stmt = select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)
    return session.exec(stmt).first()


def lock(session: Session, record: IssuedCredential) -> IssuedCredential:
    """Take the credential's row lock, then read its current state: status changes, offers
    and re-issues of one credential serialize on it.

    PostgreSQL: ``SELECT ... FOR UPDATE`` waits for a concurrent change and reads its result.
    SQLite has no row locks: a no-op UPDATE takes the database's write lock first.
    """
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(IssuedCredential)
            .where(col(IssuedCredential.uuid) == record.uuid)
            .values(status=IssuedCredential.status)
            .execution_options(synchronize_session=False)
        )
    session.refresh(record, with_for_update=True)
    return record


def renewal_of(session: Session, uuid: str) -> IssuedCredential | None:
    """The credential that renews ``uuid`` (validity periods), if any."""
    stmt = select(IssuedCredential).where(IssuedCredential.renewal_of == uuid)
    return session.exec(stmt).first()


def hidden_by(session: Session, uuid: str) -> int | None:
    """The account whose learner hid this credential from public view, if any."""
    row = session.get(HiddenCredential, uuid)
    return row.account_id if row is not None else None
