"""Units of work that settle races on unique constraints: the loser undoes its savepoint
and reruns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from app.db import RetryableConflict, retrying
from app.errors import Conflict

T = TypeVar("T")

#: Twenty racing copies of one event settle in one rerun each; more is a real conflict.
ATTEMPTS = 8
#: PostgreSQL deadlock_detected and serialization_failure: the unit may simply run again.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


class Clash(RetryableConflict):
    """A concurrent unit inserted the same learner, grade or award first: run again."""


def flush(session: Session) -> None:
    """Flush now, so a unique-constraint loss surfaces here as a retryable ``Clash``."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Clash(str(exc.orig)) from None


def run_unit(session: Session, unit: Callable[[], T]) -> T:
    """``unit`` in a savepoint; reruns it on a clash, and answers 409 if clashes persist."""

    def guarded() -> T:
        try:
            return unit()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
                raise Clash(str(exc.orig)) from None
            raise

    try:
        return retrying(session, guarded, attempts=ATTEMPTS)
    except RetryableConflict:
        raise Conflict("too many concurrent updates of the same records; retry") from None
