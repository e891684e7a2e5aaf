"""``GET /healthz``: the database answers, and how the e-mail outbox is keeping up.

Reads only. ``status`` is "ok" while the database answers; the outbox figures are for
alerting (a growing backlog or an old unsent message means no worker is sending).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.db import utcnow
from app.deps import ServicesDep, SessionDep
from app.http.guard import GuardedRoute

router = APIRouter(tags=["operations"], route_class=GuardedRoute)


class OutboxHealth(BaseModel):
    backlog: int = Field(description="Messages not yet sent (pending or being sent).")
    oldest_unsent_age_seconds: int = Field(description="Age of the oldest unsent message; 0.")
    failed: int = Field(description="Messages given up on (laurel outbox list --state failed).")


class Health(BaseModel):
    status: str
    outbox: OutboxHealth


@router.get("/healthz", response_model=Health)
def healthz(session: SessionDep, services: ServicesDep) -> Health:
    figures = services.notifier.health(session, utcnow())
    return Health(status="ok", outbox=OutboxHealth(**figures))
