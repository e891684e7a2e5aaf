"""Queries of the event bus consumer: the ids of applied events.

The claim is one conditional statement (INSERT ... ON CONFLICT DO NOTHING), so racing
consumers on PostgreSQL agree without a savepoint per attempt, and SQLite behaves the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.models import BusEvent


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def claim_event(
    session: Session, event_id: str, event_type: str, stream: str, entry_id: str
) -> bool:
    """Record the event as applied; False when some unit already did (a redelivery).

    On PostgreSQL a racing unit that inserted the same id first makes this wait for its
    commit, then answer False (or True, had it rolled back).
    """
    stmt = (
        _insert(session, BusEvent)
        .values(
            event_id=event_id,
            event_type=event_type,
            stream=stream,
            entry_id=entry_id,
            outcome="applying",
            processed_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(BusEvent.__table__.c.id)  # type: ignore[attr-defined]
    )
    return session.execute(stmt).first() is not None


def claim_events(session: Session, events: list[tuple[str, str, str, str]]) -> set[str]:
    """``claim_event`` for many (event id, type, stream, entry id) in one statement: the ids
    this call recorded (an id already recorded, or twice in ``events``, is claimed once)."""
    rows: dict[str, dict[str, Any]] = {}
    for event_id, event_type, stream, entry_id in events:
        rows.setdefault(
            event_id,
            {
                "event_id": event_id,
                "event_type": event_type,
                "stream": stream,
                "entry_id": entry_id,
                "outcome": "applying",
            },
        )
    if not rows:
        return set()
    table = BusEvent.__table__  # type: ignore[attr-defined]
    stmt = (
        _insert(session, BusEvent)
        .values(processed_at=func.now())
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.event_id)
    )
    # One compiled statement for any count (insertmanyvalues batches the rows).
    claimed = session.execute(stmt, list(rows.values())).scalars()
    return {str(event_id) for event_id in claimed}


def release_event(session: Session, event_id: str) -> None:
    """Forget a claim whose entry could not be applied (it is dead-lettered, not applied)."""
    table = BusEvent.__table__  # type: ignore[attr-defined]
    session.execute(table.delete().where(table.c.event_id == event_id))


def set_outcomes(session: Session, outcomes: dict[str, str]) -> None:
    """Each applied event's outcome, in one executemany."""
    if not outcomes:
        return
    table = BusEvent.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        table.update()
        .where(table.c.event_id == bindparam("b_event_id"))
        .values(outcome=bindparam("b_outcome")),
        [{"b_event_id": k, "b_outcome": v[:32]} for k, v in outcomes.items()],
    )


def set_outcome(session: Session, event_id: str, outcome: str) -> None:
    session.execute(
        BusEvent.__table__.update()  # type: ignore[attr-defined]
        .where(BusEvent.__table__.c.event_id == event_id)  # type: ignore[attr-defined]
        .values(outcome=outcome)
    )


def applied_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(BusEvent)).scalar_one())
