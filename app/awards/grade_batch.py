"""Many grade events of one organization at once (``POST /api/v1/grades:batch``): the same
decisions as one event at a time, with the writes grouped.

One event at a time costs some twenty-five statements and a signature each; a course-end
batch is mostly new learners, new grades and first awards, which this groups into a few
multi-row statements and one batch issuance. The rules stay ``GradingService``'s:

- The grouped writes run in one savepoint. If any of them meets a concurrent writer (a
  unique constraint) or an item is refused, the savepoint is undone and every item is applied
  on its own, in order, exactly as before: each item lands whole or not at all.
- An event whose learner appears more than once in the batch (in any run), whose run is
  unknown or whose time is refused goes the one-at-a-time way (after the grouped ones; they
  share no learner, so the order between the two groups changes nothing). A learner in
  several events is not grouped: one at a time, each credential carries the learner's facts
  as of its own event, equal times let the later event's facts win, and a program reports on
  the event that completed it; the grouped path would apply all facts first, and its events
  before the ones left alone.
- Within the group, anything but a plain first award (an existing award, a renewal, a
  refusal, a stale grade) is decided by the one-event code, in the savepoint.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlmodel import Session

from app.awards import repository
from app.awards.documents import AwardFacts
from app.awards.plans import AwardPlan, award_reason, brings_news, has_facts, terms_of
from app.awards.schemas import BatchItem, BatchOut, EventOutcome, GradeEventIn
from app.awards.thresholds import Verdict, decide_on_grade
from app.catalog import repository as catalog
from app.db import utcnow
from app.errors import AppError, InvalidInput
from app.models import Course, Learner, Organization

if TYPE_CHECKING:
    from app.awards.service import GradingService

log = logging.getLogger("laurel.grading")


@dataclass(frozen=True)
class _Event:
    index: int
    event: GradeEventIn
    course: Course
    time: datetime


def record_grades(
    grading: GradingService,
    session: Session,
    org: Organization,
    items: list[Any],
    actor: str | None,
) -> BatchOut:
    """Each item answered on its own: an outcome, or the problem that refused it."""
    results: dict[int, BatchItem] = {}
    events: list[tuple[int, GradeEventIn]] = []
    for index, raw in enumerate(items):
        try:
            events.append((index, GradeEventIn.model_validate(raw)))
        except ValidationError as exc:
            results[index] = BatchItem(
                index=index, event_id=_event_id(raw), status=422, error=_problem(exc)
            )
    grouped, alone = _partition(grading, session, org, events)
    try:
        with session.begin_nested():
            outcomes, learners = _apply_grouped(grading, session, org, grouped, actor)
    except Exception as exc:  # a clash or a refused item: every event on its own
        log.info("grade batch applied one event at a time: %r", exc)
        alone = sorted([(g.index, g.event) for g in grouped] + alone, key=lambda p: p[0])
    else:
        _programs(grading, session, org, grouped, outcomes, learners, actor)
        for index, outcome in outcomes.items():
            results[index] = _answer(index, outcome)
    for index, event in alone:
        results[index] = _one(grading, session, org, index, event, actor)
    ordered = [results[n] for n in range(len(items))]
    summary: Counter[str] = Counter(total=len(ordered), errors=0)
    for item in ordered:
        summary[item.outcome.status if item.outcome else "errors"] += 1
    return BatchOut(results=ordered, summary=dict(summary))


def _partition(
    grading: GradingService,
    session: Session,
    org: Organization,
    events: list[tuple[int, GradeEventIn]],
) -> tuple[list[_Event], list[tuple[int, GradeEventIn]]]:
    """The events the grouped path takes, and those it leaves to the one-event path."""
    per_learner = Counter(e.learner.id for _, e in events)
    courses: dict[str, Course | None] = {}
    grouped: list[_Event] = []
    alone: list[tuple[int, GradeEventIn]] = []
    for index, event in events:
        if event.course_run not in courses:
            courses[event.course_run] = catalog.course_by_key(session, org.id, event.course_run)
        course = courses[event.course_run]
        try:
            when = grading.event_time(event.timestamp)
        except AppError:
            course = None
        if course is None or per_learner[event.learner.id] > 1:
            alone.append((index, event))
        else:
            grouped.append(_Event(index, event, course, when))
    return grouped, alone


def _apply_grouped(
    grading: GradingService,
    session: Session,
    org: Organization,
    events: list[_Event],
    actor: str | None,
) -> tuple[dict[int, EventOutcome], dict[int, Learner]]:
    """The outcome and the learner of each event (by index)."""
    if not events:
        return {}, {}
    learners = _learners(grading, session, org, events)
    pairs = {(learners[e.index].id, e.course.id) for e in events}
    grades = repository.grades_for_pairs(session, pairs)
    now = utcnow()
    new_grades: list[dict[str, Any]] = []
    stale: dict[int, bool] = {}
    for e in events:
        learner, ev = learners[e.index], e.event
        if (learner.id, e.course.id) in grades:  # newest wins: the one-event compare-and-set
            _, stale[e.index] = grading.store_grade(
                session, org, learner, e.course, ev.percent_grade, ev.letter_grade, ev.mode,
                e.time, ev.event_id,
            )  # fmt: skip
            continue
        stale[e.index] = False
        new_grades.append(
            {
                "org_id": org.id, "learner_id": learner.id, "course_id": e.course.id,
                "percent_grade": ev.percent_grade, "letter_grade": ev.letter_grade,
                "mode": ev.mode, "graded_at": e.time, "grade_event_id": ev.event_id,
                "completed": False, "updated_at": now,
            }
        )  # fmt: skip
    repository.insert_grades(session, new_grades)
    awards = repository.course_awards_for_pairs(session, org.id, pairs)
    outcomes: dict[int, EventOutcome] = {}
    planned: list[tuple[_Event, AwardPlan]] = []
    for e in events:
        learner, ev = learners[e.index], e.event
        decision = decide_on_grade(terms_of(e.course), ev.percent_grade, ev.mode)
        facts = AwardFacts(e.time, "grade", ev.percent_grade, ev.letter_grade, decision.band)
        existing = awards.get((learner.id, e.course.id))
        if decision.verdict == Verdict.AWARD and existing is None:
            reason = award_reason(e.course, facts, ev.event_id, ev.mode)
            planned.append((e, AwardPlan(e.course, learner, facts, ev.mode, ev.event_id, reason)))
            continue
        outcomes[e.index] = grading.conclude_with(
            session, org, e.course, learner, decision, facts, ev, actor, stale[e.index], existing
        )
    records = grading.award_many(session, org, [plan for _, plan in planned], actor)
    for (e, plan), record in zip(planned, records, strict=True):
        outcomes[e.index] = EventOutcome(
            event_id=e.event.event_id,
            learner=plan.learner.lms_id,
            course_run=e.course.key,
            status="awarded",
            stale=stale[e.index],
            credential=grading.ref_of(record),
        )
    return outcomes, learners


def _learners(
    grading: GradingService, session: Session, org: Organization, events: list[_Event]
) -> dict[int, Learner]:
    """Each event's learner: the unknown ones created together (with the facts of their
    first event, as one event at a time would), then newer facts applied as one event does."""
    known = repository.learners_by_lms_ids(
        session, org.id, list({e.event.learner.id for e in events})
    )
    creators: dict[str, _Event] = {}
    for e in events:
        if e.event.learner.id not in known:
            creators.setdefault(e.event.learner.id, e)
    now = utcnow()
    repository.insert_learners(
        session,
        [
            {
                "org_id": org.id, "lms_id": lms_id, "name": e.event.learner.name or "",
                "email": e.event.learner.email, "holder_did": e.event.learner.holder_did,
                "info_timestamp": e.time if has_facts(e.event.learner) else None,
                "created_at": now, "updated_at": now,
            }
            for lms_id, e in creators.items()
        ],
    )  # fmt: skip
    known.update(repository.learners_by_lms_ids(session, org.id, list(creators)))
    learners: dict[int, Learner] = {}
    for e in events:
        ref = e.event.learner
        learner = known[ref.id]
        if creators.get(ref.id) is not e and brings_news(ref, learner, e.time):
            learner = known[ref.id] = grading.upsert_learner(session, org, ref, e.time)
        learners[e.index] = learner
    return learners


def _programs(
    grading: GradingService,
    session: Session,
    org: Organization,
    events: list[_Event],
    outcomes: dict[int, EventOutcome],
    learners: dict[int, Learner],
    actor: str | None,
) -> None:
    """Programs naming an awarded course, each evaluated in its own unit after the awards
    (as one event at a time does); a run no program names costs one query, not one per
    learner."""
    named: dict[str, bool] = {}
    for e in events:
        outcome = outcomes[e.index]
        if outcome.status not in ("awarded", "already_awarded"):
            continue
        key = e.course.course_key
        if key not in named:
            named[key] = bool(catalog.programs_with_course(session, org.id, key))
        if named[key]:
            outcome.programs = grading.after_course_award(
                session, org, learners[e.index].id, e.course, actor, outcome.event_id
            )


def _one(
    grading: GradingService,
    session: Session,
    org: Organization,
    index: int,
    event: GradeEventIn,
    actor: str | None,
) -> BatchItem:
    """One event as ``POST /grades`` applies it, in a savepoint: it lands whole or not."""
    try:
        with session.begin_nested():
            outcome = grading.record_grade(session, org, event, actor)
    except AppError as exc:
        return BatchItem(
            index=index, event_id=event.event_id, status=exc.status, error=exc.to_problem()
        )
    except Exception:  # one broken item must not lose the others' answers
        log.exception("grade batch item %d failed", index)
        return BatchItem(
            index=index,
            event_id=event.event_id,
            status=500,
            error={"title": "Internal error", "status": 500},
        )
    return _answer(index, outcome)


def _answer(index: int, outcome: EventOutcome) -> BatchItem:
    status = 201 if outcome.status == "awarded" else 200
    return BatchItem(index=index, event_id=outcome.event_id, status=status, outcome=outcome)


def _event_id(raw: Any) -> str | None:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    return event_id if isinstance(event_id, str) else None


def _problem(exc: ValidationError) -> dict[str, Any]:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return InvalidInput(
        f'"{field}": {first["msg"]}',
        field=field,
        errors=[
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()[:20]
        ],
    ).to_problem()
