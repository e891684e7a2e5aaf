"""LMS events in, course credentials out: store the newest grade, decide, award once.

One event is one unit of work: the learner, the grade, the credential (with its status
entries), the award row and the audit row commit together or not at all. Duplicates and
races are settled by unique constraints (learner, grade, award), not by checks before insert:
the loser's unit is rolled back and run again, and then finds the winner's award.

Programs are evaluated after the course award has committed, in their own unit: under READ
COMMITTED two racing awards of a program's last two courses would otherwise each miss the
other's (write skew), and a program failure must not undo the course award.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.awards import grade_batch, repository
from app.awards.documents import AwardFacts, course_credential
from app.awards.plans import AwardPlan, BatchFallback, award_reason, has_facts, terms_of
from app.awards.programs import AwardListener, ProgramAwarder
from app.awards.schemas import (
    BatchOut,
    CompletionEventIn,
    CredentialRef,
    EventOutcome,
    GradeEventIn,
    LearnerRef,
    ProgramOutcome,
    Status,
)
from app.awards.thresholds import (
    Decision,
    Verdict,
    decide_on_completion,
    decide_on_grade,
)
from app.awards.units import flush, run_unit
from app.catalog import repository as catalog
from app.core.duration import parse_duration
from app.credentials.issuance import IssuanceService, IssueOptions
from app.db import as_utc, utcnow
from app.errors import AppError, InvalidInput, NotFound
from app.issuers.identity import IssuerIdentity
from app.models import (
    AuditEvent,
    Course,
    CourseAward,
    CourseGrade,
    IssuedCredential,
    Learner,
    Organization,
)
from app.models.enums import CredentialKind, CredentialStatus

log = logging.getLogger("laurel.grading")

#: LMS clocks drift; a timestamp further ahead than this is a client bug, not a grade.
CLOCK_SKEW = timedelta(minutes=5)

#: The outcome of an event that awards nothing, by verdict.
_STATUS_OF: dict[Verdict, Status] = {
    Verdict.NOT_PASSED: "not_passed",
    Verdict.REFUSED: "refused",
    Verdict.RECORDED: "recorded",
}


class GradingService:
    def __init__(
        self,
        issuance: IssuanceService,
        identity: IssuerIdentity,
        programs: ProgramAwarder,
        on_awarded: Sequence[AwardListener] = (),
    ) -> None:
        self.issuance = issuance
        self.identity = identity
        self.programs = programs
        #: Reactions in the award's transaction (the award e-mail), wired in app.container.
        self.on_awarded = tuple(on_awarded)

    # -- events -------------------------------------------------------------------------------

    def record_grade(
        self, session: Session, org: Organization, event: GradeEventIn, actor: str | None
    ) -> EventOutcome:
        course = self._course(session, org, event.course_run)
        ts = self.event_time(event.timestamp)
        decision = decide_on_grade(terms_of(course), event.percent_grade, event.mode)

        def unit() -> tuple[EventOutcome, int]:
            learner = self.upsert_learner(session, org, event.learner, ts)
            _, stale = self._store_grade(session, org, learner, course, event, ts)
            facts = AwardFacts(ts, "grade", event.percent_grade, event.letter_grade, decision.band)
            return self._conclude(
                session, org, course, learner, decision, facts, event, actor, stale
            )

        return self._finish(session, org, course, run_unit(session, unit), actor)

    def record_completion(
        self, session: Session, org: Organization, event: CompletionEventIn, actor: str | None
    ) -> EventOutcome:
        course = self._course(session, org, event.course_run)
        ts = self.event_time(event.timestamp)

        def unit() -> tuple[EventOutcome, int]:
            learner = self.upsert_learner(session, org, event.learner, ts)
            grade, stale = self._store_completion(session, org, learner, course, event, ts)
            decision = decide_on_completion(
                terms_of(course), event.completed, event.mode, grade.percent_grade
            )
            facts = AwardFacts(
                ts, "completion", grade.percent_grade, grade.letter_grade, decision.band
            )
            return self._conclude(
                session, org, course, learner, decision, facts, event, actor, stale
            )

        return self._finish(session, org, course, run_unit(session, unit), actor)

    def record_grades(
        self, session: Session, org: Organization, items: list[Any], actor: str | None
    ) -> BatchOut:
        """Each item answered on its own, none half-done; the writes grouped
        (``app.awards.grade_batch``)."""
        return grade_batch.record_grades(self, session, org, items, actor)

    # -- learners -----------------------------------------------------------------------------

    def upsert_learner(
        self, session: Session, org: Organization, ref: LearnerRef, ts: datetime
    ) -> Learner:
        """Create the learner, or apply the event's name/email/DID unless newer facts exist."""
        learner = catalog.learner_by_lms_id(session, org.id, ref.id)
        if learner is None:
            learner = Learner(
                org_id=org.id,
                lms_id=ref.id,
                name=ref.name or "",
                email=ref.email,
                holder_did=ref.holder_did,
                # No facts, no time: an older event that names them must still apply.
                info_timestamp=ts if has_facts(ref) else None,
            )
            session.add(learner)
            flush(session)
            return learner
        values: dict[str, Any] = {
            name: getattr(ref, name)
            for name in ("name", "email", "holder_did")
            if getattr(ref, name)  # an empty name from the LMS does not erase a known one
        }
        if not values:
            return learner
        if any(getattr(learner, k) != v for k, v in values.items()):
            values["updated_at"] = utcnow()
        if repository.update_learner_if_newer(session, learner.id, ts, values):
            session.refresh(learner)
        return learner

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _course(session: Session, org: Organization, run_key: str) -> Course:
        course = catalog.course_by_key(session, org.id, run_key)
        if course is None:
            raise NotFound(
                f'no course run "{run_key}" (create it with POST /api/v1/courses)',
                field="course_run",
            )
        return course

    @staticmethod
    def event_time(value: datetime) -> datetime:
        ts = as_utc(value).replace(microsecond=0)
        if ts > utcnow() + CLOCK_SKEW:
            raise InvalidInput('"timestamp" is in the future', field="timestamp")
        return ts

    @staticmethod
    def _store_completion(
        session: Session,
        org: Organization,
        learner: Learner,
        course: Course,
        event: CompletionEventIn,
        ts: datetime,
    ) -> tuple[CourseGrade, bool]:
        values: dict[str, Any] = {
            "completed": event.completed,
            "mode": event.mode,
            "updated_at": utcnow(),
        }
        grade = repository.grade_for(session, learner.id, course.id)
        if grade is None:
            first = {"completed_at": ts, "completion_event_id": event.event_id, **values}
            return _insert_grade(session, org, learner, course, first), False
        stored = repository.update_completion_if_newer(
            session,
            grade.id,
            ts,
            event.event_id,
            values,
        )
        session.refresh(grade)
        return grade, not stored and grade.completion_event_id != event.event_id

    def _store_grade(
        self,
        session: Session,
        org: Organization,
        learner: Learner,
        course: Course,
        event: GradeEventIn,
        ts: datetime,
    ) -> tuple[CourseGrade, bool]:
        return self.store_grade(
            session, org, learner, course, event.percent_grade, event.letter_grade, event.mode,
            ts, event.event_id,
        )  # fmt: skip

    @staticmethod
    def store_grade(
        session: Session,
        org: Organization,
        learner: Learner,
        course: Course,
        percent_grade: float,
        letter_grade: str | None,
        mode: str | None,
        ts: datetime,
        event_id: str,
    ) -> tuple[CourseGrade, bool]:
        """Store a grade without deciding anything; the newest (LMS time, then event id) wins.
        Returns the stored row and whether this grade was older than it (so not stored).
        Call inside a unit of work: a racing first insert surfaces as a retryable Clash."""
        values: dict[str, Any] = {
            "percent_grade": percent_grade,
            "letter_grade": letter_grade,
            "mode": mode,
            "updated_at": utcnow(),
        }
        grade = repository.grade_for(session, learner.id, course.id)
        if grade is None:
            first = {"graded_at": ts, "grade_event_id": event_id, **values}
            return _insert_grade(session, org, learner, course, first), False
        if repository.update_grade_if_newer(session, grade.id, ts, event_id, values):
            return grade, False
        session.refresh(grade)
        return grade, grade.grade_event_id != event_id

    def _conclude(
        self,
        session: Session,
        org: Organization,
        course: Course,
        learner: Learner,
        decision: Decision,
        facts: AwardFacts,
        event: GradeEventIn | CompletionEventIn,
        actor: str | None,
        stale: bool,
    ) -> tuple[EventOutcome, int]:
        """Award, or say why not. Returns the outcome and the learner's row id."""
        existing = repository.course_award(session, org.id, learner.id, course.id)
        outcome = self.conclude_with(
            session, org, course, learner, decision, facts, event, actor, stale, existing
        )
        return outcome, learner.id

    def conclude_with(
        self,
        session: Session,
        org: Organization,
        course: Course,
        learner: Learner,
        decision: Decision,
        facts: AwardFacts,
        event: GradeEventIn | CompletionEventIn,
        actor: str | None,
        stale: bool,
        existing: CourseAward | None,
    ) -> EventOutcome:
        """``_conclude`` once the learner's award in the run (``existing``) is known."""
        outcome = EventOutcome(
            event_id=event.event_id,
            learner=learner.lms_id,
            course_run=course.key,
            status="not_passed",
            stale=stale,
        )
        renewing = self._renewable(session, course, existing, decision, facts)
        if existing is not None and renewing is None:
            outcome.status = "already_awarded"
            outcome.reason = None if decision.verdict == Verdict.AWARD else decision.reason
            outcome.credential = self.credential_ref(session, existing.credential_uuid)
            return outcome
        if decision.verdict != Verdict.AWARD:
            outcome.status = _STATUS_OF[decision.verdict]
            outcome.reason = decision.reason
            if decision.verdict == Verdict.REFUSED:
                self._audit(
                    session, org, "refused", learner, course, event.event_id, actor, decision.reason
                )
            return outcome
        reason = award_reason(course, facts, event.event_id, event.mode)
        if renewing is not None:
            reason += f"; renews {renewing.credential_id}"
            outcome.reason = f"renews {renewing.credential_id}"
        record = self._issue_award(
            session, org, course, learner, facts, event.mode, event.event_id, actor,
            existing, renewing, reason,
        )  # fmt: skip
        outcome.status = "awarded"
        outcome.credential = self.ref_of(record)
        return outcome

    def award_many(
        self, session: Session, org: Organization, plans: Sequence[AwardPlan], actor: str | None
    ) -> list[IssuedCredential]:
        """First course awards (no award row yet), signed and stored as one batch: what
        ``_issue_award`` does for one, with the writes grouped. Call inside a savepoint the
        caller undoes on ``BatchFallback`` or ``IntegrityError`` (a concurrent twin), then
        applies the items one at a time."""
        if not plans:
            return []
        base, slug = self.identity.base_url, org.slug
        results = self.issuance.issue_batch(
            session,
            org,
            [
                (course_credential(base, slug, p.course, p.learner, p.facts), IssueOptions())
                for p in plans
            ],
            client_id=actor,
            kind=CredentialKind.COURSE,
            columns=[{"public_from": p.course.certificate_available_date} for p in plans],
        )
        records: list[IssuedCredential] = []
        for result in results:
            if isinstance(result, AppError):
                raise BatchFallback(result.detail)
            records.append(result)
        now = utcnow()
        repository.insert_course_awards(
            session,
            [
                {
                    "org_id": org.id, "learner_id": p.learner.id, "course_id": p.course.id,
                    "course_key": p.course.course_key, "credential_uuid": r.uuid,
                    "awarded_at": p.facts.awarded_at, "basis": p.facts.basis,
                    "percent_grade": p.facts.percent_grade, "letter_grade": p.facts.letter_grade,
                    "band": p.facts.band, "mode": p.mode, "event_id": p.event_id, "actor": actor,
                    "created_at": now,
                }
                for p, r in zip(plans, records, strict=True)
            ],
        )  # fmt: skip
        for plan, record in zip(plans, records, strict=True):
            for listener in self.on_awarded:
                listener(session, org, plan.learner, record)
        repository.insert_audit_events(
            session,
            [
                {
                    "org_id": org.id, "at": now, "actor": actor, "action": "awarded",
                    "kind": CredentialKind.COURSE, "learner_lms_id": p.learner.lms_id,
                    "course_run": p.course.key, "program_slug": None, "credential_uuid": r.uuid,
                    "event_id": p.event_id, "reason": p.reason[:1000],
                }
                for p, r in zip(plans, records, strict=True)
            ],
        )  # fmt: skip
        return records

    def award_decided(
        self,
        session: Session,
        org: Organization,
        course: Course,
        learner: Learner,
        facts: AwardFacts,
        *,
        mode: str | None,
        event_id: str | None,
        actor: str | None,
        reason: str,
    ) -> tuple[IssuedCredential, bool]:
        """A course award another system decided (the Open edX LMS's certificate stands in for
        our threshold). Call inside a unit of work (``run_unit``). Returns the award's current
        credential and whether it was issued now: an active or suspended one is kept; a
        revoked one is replaced by a new credential (the LMS awarded it again)."""
        existing = repository.course_award(session, org.id, learner.id, course.id)
        if existing is not None:
            current = session.get(IssuedCredential, existing.credential_uuid)
            if current is not None and current.status != CredentialStatus.REVOKED:
                return current, False
        record = self._issue_award(
            session, org, course, learner, facts, mode, event_id, actor, existing, None, reason
        )
        return record, True

    def after_course_award(
        self,
        session: Session,
        org: Organization,
        learner_id: int,
        course: Course,
        actor: str | None,
        event_id: str | None,
    ) -> list[ProgramOutcome]:
        """Programs naming the course, each in its own unit (after the course award's)."""
        return self.programs.after_course_award(
            session, org, learner_id, course.course_key, actor, event_id
        )

    def _issue_award(
        self,
        session: Session,
        org: Organization,
        course: Course,
        learner: Learner,
        facts: AwardFacts,
        mode: str | None,
        event_id: str | None,
        actor: str | None,
        existing: CourseAward | None,
        renewing: IssuedCredential | None,
        reason: str,
    ) -> IssuedCredential:
        """Sign and store the course credential, and make it the award's current one."""
        document = course_credential(self.identity.base_url, org.slug, course, learner, facts)
        record = self.issuance.issue(
            session,
            org,
            document,
            IssueOptions(),
            client_id=actor,
            kind=CredentialKind.COURSE,
        )
        record.public_from = course.certificate_available_date
        award = existing or CourseAward(
            org_id=org.id,
            learner_id=learner.id,
            course_id=course.id,
            course_key=course.course_key,
            credential_uuid=record.uuid,
            awarded_at=facts.awarded_at,
        )
        if renewing is not None:
            # The renewed credential becomes the award's current one; the previous one is
            # kept (valid until its own validUntil) and linked.
            record.renewal_of = renewing.uuid
        award.credential_uuid = record.uuid
        award.awarded_at = facts.awarded_at
        award.basis = facts.basis
        award.percent_grade = facts.percent_grade
        award.letter_grade = facts.letter_grade
        award.band = facts.band
        award.mode = mode
        award.event_id = event_id
        award.actor = actor
        session.add(record)
        session.add(award)
        flush(session)
        for listener in self.on_awarded:
            listener(session, org, learner, record)
        self._audit(session, org, "awarded", learner, course, event_id, actor, reason, record.uuid)
        return record

    @staticmethod
    def _renewable(
        session: Session,
        course: Course,
        award: CourseAward | None,
        decision: Decision,
        facts: AwardFacts,
    ) -> IssuedCredential | None:
        """The current credential a passing event renews: one with a validUntil, active, and
        the event (newer than the award) at or after validUntil less the renewal window."""
        if award is None or decision.verdict != Verdict.AWARD or not course.validity:
            return None
        current = session.get(IssuedCredential, award.credential_uuid)
        if (
            current is None
            or current.status != CredentialStatus.ACTIVE
            or current.valid_until is None
            or facts.awarded_at <= as_utc(award.awarded_at)
        ):
            return None
        end = as_utc(current.valid_until)
        opens = parse_duration(course.renewal_window).before(end) if course.renewal_window else end
        return current if facts.awarded_at >= opens else None

    def _finish(
        self,
        session: Session,
        org: Organization,
        course: Course,
        result: tuple[EventOutcome, int],
        actor: str | None,
    ) -> EventOutcome:
        outcome, learner_id = result
        if outcome.status in ("awarded", "already_awarded"):
            outcome.programs = self.programs.after_course_award(
                session, org, learner_id, course.course_key, actor, outcome.event_id
            )
        return outcome

    @staticmethod
    def _audit(
        session: Session,
        org: Organization,
        action: str,
        learner: Learner,
        course: Course,
        event_id: str | None,
        actor: str | None,
        reason: str | None,
        credential_uuid: str | None = None,
    ) -> None:
        session.add(
            AuditEvent(
                org_id=org.id,
                actor=actor,
                action=action,
                kind=CredentialKind.COURSE,
                learner_lms_id=learner.lms_id,
                course_run=course.key,
                credential_uuid=credential_uuid,
                event_id=event_id,
                reason=reason,
            )
        )

    def credential_ref(self, session: Session, uuid: str) -> CredentialRef:
        record = session.get(IssuedCredential, uuid)
        assert record is not None
        return self.ref_of(record)

    def ref_of(self, record: IssuedCredential) -> CredentialRef:
        return CredentialRef(
            id=record.credential_id,
            uuid=record.uuid,
            url=self.identity.credential_url(record.uuid),
            status=record.status,
        )


def _insert_grade(
    session: Session, org: Organization, learner: Learner, course: Course, values: dict[str, Any]
) -> CourseGrade:
    """The first grade or completion of a learner in a run; a racing twin loses (Clash)."""
    grade = CourseGrade.model_validate(
        {"org_id": org.id, "learner_id": learner.id, "course_id": course.id, **values}
    )
    session.add(grade)
    flush(session)
    return grade
