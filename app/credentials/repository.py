"""All queries on issued credentials."""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from app.db import utcnow
from app.models import HiddenCredential, IssuedCredential, StatusEvent
from app.models.enums import StatusAction

_CREDENTIALS = IssuedCredential.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(c.name for c in _CREDENTIALS.columns)
_INSERT_CREDENTIAL = insert(_CREDENTIALS)
_INSERT_EVENT = insert(StatusEvent.__table__)  # type: ignore[attr-defined]


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


def insert_credential(session: Session, record: IssuedCredential) -> None:
    """One INSERT of a new (transient) record, all its columns as the object holds them."""
    session.connection().execute(
        _INSERT_CREDENTIAL, {name: getattr(record, name) for name in _COLUMNS}
    )


def insert_credentials(session: Session, records: list[IssuedCredential]) -> None:
    """Many new records in one executemany (batch issuance)."""
    if records:
        session.connection().execute(
            _INSERT_CREDENTIAL, [{n: getattr(r, n) for n in _COLUMNS} for r in records]
        )


def insert_issued_event(session: Session, credential_uuid: str, actor: str | None) -> None:
    insert_issued_events(session, [credential_uuid], actor)


def insert_issued_events(session: Session, uuids: list[str], actor: str | None) -> None:
    if uuids:
        now = utcnow()
        session.connection().execute(
            _INSERT_EVENT,
            [
                {"credential_uuid": u, "action": StatusAction.ISSUED, "actor": actor, "at": now}
                for u in uuids
            ],
        )


def attach(session: Session, record: IssuedCredential) -> None:
    """A row written with a plain INSERT joins the session as persistent (no second INSERT;
    later changes to it are flushed as an UPDATE)."""
    make_transient_to_detached(record)
    session.add(record)
