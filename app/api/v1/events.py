"""Grade and completion events from the LMS (events:write).

201 when the event awarded a course credential, 200 otherwise; the body says what happened.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from app.api.v1.common import Fingerprint, IdempotencyKeyHeader, Reply, org_of, respond
from app.awards.schemas import (
    MAX_BATCH,
    BatchOut,
    CompletionEventIn,
    EventOutcome,
    GradeBatchIn,
    GradeEventIn,
)
from app.deps import ServicesDep, SessionDep, require_scope
from app.http.guard import GuardedRoute
from app.issuers import scopes
from app.issuers.clients import Caller

router = APIRouter(tags=["events"], route_class=GuardedRoute)
EventWriter = Annotated[Caller, require_scope(scopes.EVENTS)]
_OUTCOME: dict[int | str, dict[str, Any]] = {
    200: {"model": EventOutcome},
    201: {"model": EventOutcome},
}


@router.post(
    "/grades",
    response_model=EventOutcome,
    responses=_OUTCOME,
    summary="A learner's grade in a course run: stored, and awarded when it passes",
)
def post_grade(
    body: GradeEventIn,
    session: SessionDep,
    services: ServicesDep,
    caller: EventWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        outcome = services.grading.record_grade(
            session, org_of(session, caller), body, caller.client_id
        )
        return Reply(201 if outcome.status == "awarded" else 200, outcome)

    return respond(session, caller, idempotency_key, fingerprint, produce)


@router.post(
    "/grades:batch",
    response_model=BatchOut,
    summary=f"Up to {MAX_BATCH} grade events, answered per item",
)
def post_grades_batch(
    body: GradeBatchIn,
    session: SessionDep,
    services: ServicesDep,
    caller: EventWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        org = org_of(session, caller)
        return Reply(
            200, services.grading.record_grades(session, org, body.events, caller.client_id)
        )

    return respond(session, caller, idempotency_key, fingerprint, produce)


@router.post(
    "/completions",
    response_model=EventOutcome,
    responses=_OUTCOME,
    summary="A learner completed a course run (for runs that certify on completion)",
)
def post_completion(
    body: CompletionEventIn,
    session: SessionDep,
    services: ServicesDep,
    caller: EventWriter,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    def produce() -> Reply:
        outcome = services.grading.record_completion(
            session, org_of(session, caller), body, caller.client_id
        )
        return Reply(201 if outcome.status == "awarded" else 200, outcome)

    return respond(session, caller, idempotency_key, fingerprint, produce)
