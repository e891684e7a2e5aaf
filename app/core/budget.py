"""A CPU budget for one request's JSON-LD work, checked inside the work so the work ends.

A worker thread running pyld cannot be stopped from outside, and it keeps running after the
client has gone. So the processor's hooks (expansion, node map, RDF conversion) call
``checkpoint()``, which raises ``WorkBudgetExceeded`` in that thread once it has used the CPU
seconds it was given: the exception unwinds the work and the thread is free again. CPU time
of the thread (not wall time) is counted, so a busy machine does not refuse honest input.

``WorkBudgetExceeded`` is deliberately not a ``ValueError``: handlers that turn invalid
input into a report must not swallow it and carry on with more work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

#: Hooks between two clock readings (a reading costs about as much as a few hooks).
_CHECK_EVERY = 64


class WorkBudgetExceeded(RuntimeError):
    """The JSON-LD work of one request used more CPU than its budget; the work was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"processing it needs more than the {seconds:g} s of CPU time a request may use"
        )
        self.seconds = seconds


@dataclass
class _Budget:
    seconds: float
    deadline: float  # time.thread_time() of ``thread`` at which the work stops
    thread: int
    countdown: int = 1
    spent: bool = False


_CURRENT: ContextVar[_Budget | None] = ContextVar("laurel_work_budget", default=None)


@contextmanager
def work_budget(seconds: float | None) -> Iterator[None]:
    """Run the block under a budget of ``seconds`` of this thread's CPU time.

    ``None`` means no budget. An enclosing budget wins: nested calls (a verifier checking a
    status list inside a credential's verification) share the request's budget.
    """
    if seconds is None or _CURRENT.get() is not None:
        yield
        return
    budget = _Budget(seconds, time.thread_time() + seconds, threading.get_ident())
    token = _CURRENT.set(budget)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def checkpoint(*, force: bool = False) -> None:
    """Raise ``WorkBudgetExceeded`` if the current budget is spent (cheap: call it often)."""
    budget = _CURRENT.get()
    if budget is None:
        return
    budget.countdown -= 1
    if budget.countdown > 0 and not force and not budget.spent:
        return
    budget.countdown = _CHECK_EVERY
    # thread_time() is per thread: a context copied into another thread is not checked there.
    if budget.spent or (
        budget.thread == threading.get_ident() and time.thread_time() > budget.deadline
    ):
        budget.spent = True  # every later checkpoint of this budget refuses at once
        raise WorkBudgetExceeded(budget.seconds)
