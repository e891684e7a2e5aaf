"""All queries on issued credentials."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    CTE,
    Delete,
    ScalarSelect,
    Select,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    union_all,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.db import utcnow
from app.models import HiddenCredential, IssuedCredential, StatusEntry, StatusEvent
from app.models.enums import StatusAction

_CREDENTIALS = IssuedCredential.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(c.name for c in _CREDENTIALS.columns)
_INSERT_CREDENTIAL = insert(_CREDENTIALS)
_EVENTS = StatusEvent.__table__  # type: ignore[attr-defined]
_ENTRIES = StatusEntry.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = insert(_EVENTS)
#: The unique constraint a clashing status position trips (app/models/status_list.py).
ENTRY_POSITION_CONSTRAINT = "uq_status_entry_position"


def by_uuid(session: Session, uuid: str) -> IssuedCredential | None:
    return session.get(IssuedCredential, uuid)


def by_uuids(session: Session, uuids: list[str]) -> dict[str, IssuedCredential]:
    if not uuids:
        return {}
    stmt = select(IssuedCredential).where(col(IssuedCredential.uuid).in_(uuids))
    return {record.uuid: record for record in session.exec(stmt)}


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
    _sqlite_write_lock(session, [record.uuid])
    session.refresh(record, with_for_update=True)
    return record


def _sqlite_write_lock(session: Session, uuids: list[str]) -> None:
    """SQLite has no row locks: a no-op UPDATE of the rows takes the database's write lock
    (PostgreSQL takes row locks with ``FOR UPDATE`` instead: nothing to do)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(IssuedCredential)
            .where(col(IssuedCredential.uuid).in_(uuids))
            .values(status=IssuedCredential.status)
            .execution_options(synchronize_session=False)
        )


def lock_many(session: Session, uuids: list[str]) -> dict[str, IssuedCredential]:
    """``lock`` for many credentials, in one statement and uuid order (two batches cannot
    deadlock on them); each read as it is now under its lock."""
    session.flush()
    uuids = sorted(set(uuids))
    if not uuids:
        return {}
    _sqlite_write_lock(session, uuids)
    stmt = (
        select(IssuedCredential)
        .where(col(IssuedCredential.uuid).in_(uuids))
        .order_by(col(IssuedCredential.uuid))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {record.uuid: record for record in session.exec(stmt)}


def set_statuses(
    session: Session, changes: list[tuple[IssuedCredential, str, str | None, str, str | None]]
) -> None:
    """Many status changes ((record, status, reason, history action, actor)): the rows in
    one executemany, their history in another; the records in the session say so too."""
    if not changes:
        return
    table = _CREDENTIALS
    session.connection().execute(
        update(table)
        .where(table.c.uuid == bindparam("b_uuid"))
        .values(status=bindparam("b_status"), status_reason=bindparam("b_reason")),
        [{"b_uuid": r.uuid, "b_status": st, "b_reason": why} for r, st, why, _, _ in changes],
    )
    now = utcnow()
    session.connection().execute(
        _INSERT_EVENT,
        [
            {"credential_uuid": r.uuid, "action": action, "reason": why, "actor": actor, "at": now}
            for r, _, why, action, actor in changes
        ],
    )
    for record, status, why, _, _ in changes:
        set_committed_value(record, "status", status)
        set_committed_value(record, "status_reason", why)


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


def can_insert_issued_at_once(session: Session) -> bool:
    """PostgreSQL runs data-modifying CTEs: the credential, its entries and its event in one
    statement (one round trip instead of three)."""
    return session.connection().dialect.name == "postgresql"


def insert_issued_at_once(
    session: Session,
    record: IssuedCredential,
    entries: list[tuple[int, int]],
    actor: str | None,
) -> IssuedWrite:
    """The new credential row, its status entries ((list id, position), the slots claimed)
    and its ``issued`` event in one statement (PostgreSQL) that a clash does not abort: each
    INSERT skips a row a unique constraint refuses (``ON CONFLICT DO NOTHING``), and the
    statement says what it wrote. So the caller needs no savepoint around it (two round
    trips of every issue): a taken id writes nothing; a taken position leaves the
    credential without that entry, for ``undo_issued`` to take back."""
    values: dict[str, object] = {name: getattr(record, name) for name in _COLUMNS}
    for n, (list_id, position) in enumerate(entries):
        values[f"entry_list_{n}"] = list_id
        values[f"entry_position_{n}"] = position
    values.update(event_action=StatusAction.ISSUED, event_actor=actor, event_at=utcnow())
    written = session.connection().execute(_issued_statement(len(entries)), values).one()
    return IssuedWrite(bool(written.credentials), int(written.entries))


@dataclass(frozen=True)
class IssuedWrite:
    """What ``insert_issued_at_once`` wrote: the credential (else its id was taken), and how
    many of its status entries (fewer than asked: a position was taken)."""

    credential: bool
    entries: int


def undo_issued(session: Session, uuid: str) -> None:
    """Take back what was written for a new credential that lost a status position: its
    event, its entries, the row (PostgreSQL: one statement; SQLite: three)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_UNDO_ISSUED, {"uuid": uuid})
        return
    for statement in _UNDO_ISSUED_APART:
        connection.execute(statement, {"uuid": uuid})


def is_position_clash(error: IntegrityError) -> bool:
    """Whether the refusal came from a taken status position (else: the credential's id)."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name == ENTRY_POSITION_CONSTRAINT or ENTRY_POSITION_CONSTRAINT in str(error.orig)


def _counted(cte: CTE) -> ScalarSelect[int]:
    return core_select(func.count()).select_from(cte).scalar_subquery()


@cache
def _issued_statement(entry_count: int) -> Select[tuple[int, int]]:
    """WITH credential AS (INSERT ... ON CONFLICT DO NOTHING RETURNING uuid), entries AS
    (INSERT ... SELECT uuid FROM credential ON CONFLICT DO NOTHING RETURNING id), event AS
    (INSERT ... SELECT uuid FROM credential) SELECT the counts of credential and entries;
    built once per number of entries, so SQLAlchemy's compiled cache serves every later
    call. Entries and event come from the credential's RETURNING: a taken id writes none."""
    credential = (
        pg_insert(_CREDENTIALS)
        .values({c.name: bindparam(c.name, type_=c.type) for c in _CREDENTIALS.columns})
        .on_conflict_do_nothing()
        .returning(_CREDENTIALS.c.uuid)
        .cte("new_credential")
    )
    event = (
        insert(_EVENTS)
        .from_select(
            ["credential_uuid", "action", "actor", "at"],
            core_select(
                credential.c.uuid,
                bindparam("event_action", type_=_EVENTS.c.action.type),
                bindparam("event_actor", type_=_EVENTS.c.actor.type),
                bindparam("event_at", type_=_EVENTS.c.at.type),
            ),
        )
        .returning(_EVENTS.c.id)
        .cte("new_event")
    )
    counts = core_select(_counted(credential).label("credentials"))
    if entry_count:
        rows = [
            core_select(
                bindparam(f"entry_list_{n}", type_=_ENTRIES.c.list_id.type),
                bindparam(f"entry_position_{n}", type_=_ENTRIES.c.position.type),
                credential.c.uuid,
                false(),
            )
            for n in range(entry_count)
        ]
        new_entries = (
            pg_insert(_ENTRIES)
            .from_select(
                ["list_id", "position", "credential_uuid", "is_set"],
                rows[0] if entry_count == 1 else union_all(*rows),
            )
            .on_conflict_do_nothing()
            .returning(_ENTRIES.c.id)
            .cte("new_entries")
        )
        return counts.add_columns(_counted(new_entries).label("entries")).add_cte(event)
    return counts.add_columns(literal(0).label("entries")).add_cte(event)


def _undo_issued_statement() -> Delete:
    uuid = bindparam("uuid", type_=_CREDENTIALS.c.uuid.type)
    events = delete(_EVENTS).where(_EVENTS.c.credential_uuid == uuid).returning(_EVENTS.c.id)
    entries = delete(_ENTRIES).where(_ENTRIES.c.credential_uuid == uuid).returning(_ENTRIES.c.id)
    # The row goes after the rows that refer to it (the foreign keys are checked at the end
    # of the statement, when all three are gone).
    return (
        delete(_CREDENTIALS)
        .where(_CREDENTIALS.c.uuid == uuid)
        .add_cte(events.cte("gone_events"))
        .add_cte(entries.cte("gone_entries"))
    )


_UNDO_ISSUED = _undo_issued_statement()
_UNDO_ISSUED_APART = tuple(
    delete(table).where(column == bindparam("uuid", type_=column.type))
    for table, column in (
        (_EVENTS, _EVENTS.c.credential_uuid),
        (_ENTRIES, _ENTRIES.c.credential_uuid),
        (_CREDENTIALS, _CREDENTIALS.c.uuid),
    )
)


def attach(session: Session, record: IssuedCredential) -> None:
    """A row written with a plain INSERT joins the session as persistent (no second INSERT;
    later changes to it are flushed as an UPDATE)."""
    make_transient_to_detached(record)
    session.add(record)
