"""What a batch hands to the award aggregate: awards already decided, to be issued together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.awards.documents import AwardFacts
from app.awards.schemas import LearnerRef
from app.awards.thresholds import Band, CourseTerms
from app.db import as_utc
from app.models import Course, Learner


class BatchFallback(Exception):
    """The grouped writes of a batch cannot stand (an item was refused): undo them and apply
    the batch one item at a time, which answers each item on its own."""


@dataclass(frozen=True)
class AwardPlan:
    """A first course award (the learner has no award in the run), decided and explained."""

    course: Course
    learner: Learner
    facts: AwardFacts
    mode: str | None
    event_id: str | None
    #: The audit trail's words for it.
    reason: str


def terms_of(course: Course) -> CourseTerms:
    """The run's award rules, as the threshold decisions read them."""
    return CourseTerms(
        passing_grade=course.passing_grade,
        certificate_modes=tuple(course.certificate_modes),
        certifies_on=course.certifies_on,
        certificates_enabled=course.certificates_enabled,
        bands=tuple(Band(b["name"], b["min_grade"]) for b in course.grade_bands),
    )


def award_reason(course: Course, facts: AwardFacts, event_id: str | None, mode: str | None) -> str:
    """The audit trail's words for an award an event earned."""
    reason = f"{facts.basis} event {event_id}"
    if facts.percent_grade is not None:
        reason += f": grade {facts.percent_grade:g} (passing {course.passing_grade:g})"
    return reason + f', mode "{mode}"'


def brings_news(ref: LearnerRef, learner: Learner, when: datetime) -> bool:
    """Whether ``GradingService.upsert_learner`` would write: the event names facts and is
    not older than the stored ones (a batch skips the call, and its statements, otherwise)."""
    if not has_facts(ref):
        return False
    return learner.info_timestamp is None or as_utc(learner.info_timestamp) <= when


def has_facts(ref: LearnerRef) -> bool:
    """Whether an event names the learner (a name, an e-mail or a DID): only such an event
    sets the time that older facts may not overwrite."""
    return bool(ref.name or ref.email or ref.holder_did)
