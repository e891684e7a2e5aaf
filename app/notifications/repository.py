"""Every outbox and mail-preference query.

Claiming: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets any number of workers take disjoint
batches without waiting on each other; on SQLite the claim runs in an immediate transaction
(the write lock is taken at BEGIN, app.db), so claims serialize. Either way a claim sets a
lease: a row is claimable when pending and due, or when its lease ran out (its worker died).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import Session, col, select

from app.db import rowcount
from app.models import MailUnsubscribe, OrgMailKind, OutboxMessage
from app.models.enums import MAIL_KINDS_ON_BY_DEFAULT, OutboxState


def kind_enabled(session: Session, org_id: int, kind: str) -> bool:
    row = session.exec(
        select(OrgMailKind).where(OrgMailKind.org_id == org_id, OrgMailKind.kind == kind)
    ).first()
    return row.enabled if row is not None else kind in MAIL_KINDS_ON_BY_DEFAULT


def org_kind(session: Session, org_id: int, kind: str) -> OrgMailKind | None:
    return session.exec(
        select(OrgMailKind).where(OrgMailKind.org_id == org_id, OrgMailKind.kind == kind)
    ).first()


def unsubscribed(session: Session, learner_id: int, kind: str) -> bool:
    return (
        session.exec(
            select(MailUnsubscribe.id).where(
                MailUnsubscribe.learner_id == learner_id, MailUnsubscribe.kind == kind
            )
        ).first()
        is not None
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        (col(OutboxMessage.state) == OutboxState.PENDING)
        & (col(OutboxMessage.next_attempt_at) <= now),
        (col(OutboxMessage.state) == OutboxState.SENDING) & (col(OutboxMessage.lease_until) < now),
    )


def claim(
    session: Session, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(_claimable(now))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.exec(stmt))
    for row in rows:
        row.state = OutboxState.SENDING
        row.lease_until = now + lease
        row.claimed_by = worker
        session.add(row)
    session.flush()
    return rows


def finish(session: Session, row_id: int, worker: str, values: dict[str, object]) -> bool:
    """Record an outcome, unless another worker took the row over (our lease ran out)."""
    stmt = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.claimed_by) == worker,
            col(OutboxMessage.state) == OutboxState.SENDING,
        )
        .values(**values)
    )
    return rowcount(session, stmt) == 1


def listing(session: Session, state: str | None, limit: int) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if state:
        stmt = stmt.where(OutboxMessage.state == state)
    return list(session.exec(stmt))


def retry(session: Session, ids: list[int] | None, now: datetime) -> int:
    """Failed messages (all, or those named) go back to pending, with fresh attempts."""
    stmt = update(OutboxMessage).where(col(OutboxMessage.state) == OutboxState.FAILED)
    if ids:
        stmt = stmt.where(col(OutboxMessage.id).in_(ids))
    changes = dict(state=OutboxState.PENDING, attempts=0, next_attempt_at=now, last_error=None)
    return rowcount(session, stmt.values(**changes))


def purge(session: Session, states: list[str], before: datetime) -> int:
    stmt = delete(OutboxMessage).where(
        col(OutboxMessage.state).in_(states), col(OutboxMessage.created_at) < before
    )
    return rowcount(session, stmt)


def backlog(session: Session) -> tuple[int, datetime | None, int]:
    """Unsent messages (pending or sending), the oldest one's creation, and failed ones."""
    unsent = col(OutboxMessage.state).in_([OutboxState.PENDING, OutboxState.SENDING])
    count, oldest = session.exec(
        select(func.count(), func.min(OutboxMessage.created_at)).where(unsent)
    ).one()
    failed = session.exec(
        select(func.count()).where(col(OutboxMessage.state) == OutboxState.FAILED)
    ).one()
    return int(count), oldest, int(failed)


def expiring(session: Session, now: datetime, until: datetime) -> list[tuple[object, int]]:
    """Current award credentials (course or program, active) whose validUntil falls in
    (now, until], with their learner: a renewed credential is no longer its award's current
    one, so it gets no reminder."""
    from app.models import CourseAward, IssuedCredential, ProgramAward

    found: list[tuple[object, int]] = []
    for award in (CourseAward, ProgramAward):
        stmt = (
            select(IssuedCredential, award.learner_id)
            .join(award, col(award.credential_uuid) == col(IssuedCredential.uuid))
            .where(
                col(IssuedCredential.status) == "active",
                col(IssuedCredential.valid_until) > now,
                col(IssuedCredential.valid_until) <= until,
            )
        )
        found.extend((record, learner_id) for record, learner_id in session.exec(stmt))
    return found


def existing_dedupe_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    stmt = select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(keys))
    return {key for key in session.exec(stmt) if key}
