"""All queries on status lists and entries."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import StatusEntry, StatusList


def open_list(session: Session, org_id: int, purpose: str, fmt: str) -> StatusList | None:
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
    return session.exec(stmt).first()


def by_public_id(session: Session, public_id: str) -> StatusList | None:
    return session.exec(select(StatusList).where(StatusList.public_id == public_id)).first()


def lock_list(session: Session, list_id: int) -> StatusList | None:
    """SELECT ... FOR UPDATE on PostgreSQL (SQLite serializes writers anyway)."""
    stmt = select(StatusList).where(StatusList.id == list_id).with_for_update()
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


def count_allocation(session: Session, list_id: int, count: int) -> None:
    """Atomic increment; the list closes itself when it is full."""
    session.execute(
        update(StatusList)
        .where(col(StatusList.id) == list_id)
        .values(
            allocated=StatusList.allocated + count,
            full=(StatusList.allocated + count) >= StatusList.size,
        )
    )


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


def stale_lists(session: Session, org_id: int | None = None) -> list[StatusList]:
    """Lists never signed, or signed before their last change (or by a revoked key)."""
    stmt = select(StatusList).where(
        (col(StatusList.signed_document).is_(None))
        | (col(StatusList.signed_version) != col(StatusList.version))
    )
    if org_id is not None:
        stmt = stmt.where(StatusList.org_id == org_id)
    return list(session.exec(stmt.order_by(col(StatusList.id))))
