"""All queries on status lists and entries."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db import WouldWait, transaction_apart
from app.models import StatusEntry, StatusList


def open_lists(session: Session, org_id: int, purpose: str, fmt: str) -> list[StatusList]:
    stmt = (
        select(StatusList)
        .where(
            StatusList.org_id == org_id,
            StatusList.purpose == purpose,
            StatusList.format == fmt,
            col(StatusList.full).is_(False),
        )
        .order_by(col(StatusList.id))
    )
    return list(session.exec(stmt))


_STATUS_LISTS = StatusList.__table__  # type: ignore[attr-defined]
_STATUS_ENTRIES = StatusEntry.__table__  # type: ignore[attr-defined]

_INSERT_ENTRY = insert(_STATUS_ENTRIES)

_CLAIM = (
    update(_STATUS_LISTS)
    .where(
        _STATUS_LISTS.c.id == bindparam("list_id"),
        _STATUS_LISTS.c.full.is_(False),
        _STATUS_LISTS.c.allocated + bindparam("count") <= _STATUS_LISTS.c.size,
    )
    .values(
        allocated=_STATUS_LISTS.c.allocated + bindparam("count"),
        full=(_STATUS_LISTS.c.allocated + bindparam("count")) >= _STATUS_LISTS.c.size,
    )
    .returning(_STATUS_LISTS.c.allocated)
)


def claim_slots(session: Session, list_id: int, count: int) -> int | None:
    """Count ``count`` more entries in an open list that has room for them (one statement,
    the row's lock held until commit); the list closes itself when it is full. Returns the
    new number allocated, or None when the list is full or has no room."""
    row = session.connection().execute(_CLAIM, {"list_id": list_id, "count": count}).first()
    return None if row is None else int(row[0])


class ClaimWouldWait(Exception):
    """The list's row stayed locked longer than a claim apart may wait for it."""


def claim_slots_apart(engine: Engine, list_id: int, count: int, lock_timeout: str) -> int | None:
    """``claim_slots`` in a transaction of its own, on another connection of ``engine``,
    committed at once: the row's lock lasts one statement, not the caller's transaction.

    PostgreSQL only (on SQLite this writer would wait for the caller's own database lock).
    ``lock_timeout`` bounds the wait (``transaction_apart``): waiting longer raises
    ``ClaimWouldWait`` instead of hanging."""
    try:
        with transaction_apart(engine, lock_timeout) as conn:
            row = conn.execute(_CLAIM, {"list_id": list_id, "count": count}).first()
    except WouldWait as exc:
        raise ClaimWouldWait(list_id) from exc
    return None if row is None else int(row[0])


def insert_entries(session: Session, entries: list[tuple[int, int, str]]) -> None:
    """(list id, position, credential uuid) rows in one executemany; a position taken
    meanwhile raises ``IntegrityError`` (uq_status_entry_position)."""
    if entries:
        session.connection().execute(
            _INSERT_ENTRY,
            [
                {"list_id": list_id, "position": position, "credential_uuid": uuid, "is_set": False}
                for list_id, position, uuid in entries
            ],
        )


def by_public_id(session: Session, public_id: str) -> StatusList | None:
    return session.exec(select(StatusList).where(StatusList.public_id == public_id)).first()


def lock_list(session: Session, list_id: int) -> StatusList | None:
    """SELECT ... FOR NO KEY UPDATE on PostgreSQL (SQLite serializes writers anyway).

    Not FOR UPDATE: every transaction that inserts an entry holds FOR KEY SHARE on its list
    (the foreign key) until it commits, and FOR UPDATE waits for that, so two event-bus
    consumers that each issued into a list and then re-sign it deadlock. Re-signers still
    exclude each other."""
    stmt = select(StatusList).where(StatusList.id == list_id).with_for_update(key_share=True)
    return session.exec(stmt).first()


def taken_positions(session: Session, list_id: int, candidates: list[int]) -> set[int]:
    stmt = select(StatusEntry.position).where(
        StatusEntry.list_id == list_id, col(StatusEntry.position).in_(candidates)
    )
    return set(session.exec(stmt))


def all_positions(session: Session, list_id: int) -> set[int]:
    return set(session.exec(select(StatusEntry.position).where(StatusEntry.list_id == list_id)))


def set_positions(session: Session, list_id: int) -> list[int]:
    stmt = select(StatusEntry.position).where(
        StatusEntry.list_id == list_id, col(StatusEntry.is_set).is_(True)
    )
    return list(session.exec(stmt))


def bump_version(session: Session, list_id: int) -> None:
    session.execute(
        update(StatusList)
        .where(col(StatusList.id) == list_id)
        .values(version=StatusList.version + 1)
    )


def entries_of(session: Session, credential_uuid: str) -> list[tuple[StatusEntry, StatusList]]:
    stmt = (
        select(StatusEntry, StatusList)
        .join(StatusList, col(StatusList.id) == StatusEntry.list_id)
        .where(StatusEntry.credential_uuid == credential_uuid)
    )
    return list(session.exec(stmt))


def entries_of_many(
    session: Session, credential_uuids: list[str]
) -> dict[str, list[tuple[StatusEntry, StatusList]]]:
    found: dict[str, list[tuple[StatusEntry, StatusList]]] = {u: [] for u in credential_uuids}
    if not credential_uuids:
        return found
    stmt = (
        select(StatusEntry, StatusList)
        .join(StatusList, col(StatusList.id) == StatusEntry.list_id)
        .where(col(StatusEntry.credential_uuid).in_(credential_uuids))
    )
    for entry, status_list in session.exec(stmt):
        found[entry.credential_uuid].append((entry, status_list))
    return found


def set_entries(session: Session, changes: list[tuple[int, bool]]) -> None:
    """Many entries' bits ((entry id, value)) in one executemany."""
    if changes:
        table = StatusEntry.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(is_set=bindparam("b_set")),
            [{"b_id": entry_id, "b_set": value} for entry_id, value in changes],
        )


def stale_lists(session: Session, org_id: int | None = None) -> list[StatusList]:
    """Lists never signed, or signed before their last change (or by a revoked key)."""
    stmt = select(StatusList).where(
        (col(StatusList.signed_document).is_(None))
        | (col(StatusList.signed_version) != col(StatusList.version))
    )
    if org_id is not None:
        stmt = stmt.where(StatusList.org_id == org_id)
    return list(session.exec(stmt.order_by(col(StatusList.id))))
