"""Program credentials: awarded when a program's rules are met, revoked when they stop being met.

After each course award every program naming that course is evaluated against the learner's
valid (not revoked) course credentials; a course is satisfied by any run of it. The program
credential is dated by the latest counted course award and cites each counted course
credential as ``evidence``.

Revoking a course credential re-evaluates the programs that counted it: if another earned
course still satisfies the rule the program credential stands (and now rests on that one),
otherwise it is revoked with a reason naming the course.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from app.awards import repository
from app.awards.documents import (
    AwardFacts,
    CountedCourse,
    course_credential,
    program_credential,
)
from app.awards.schemas import CredentialRef, ProgramOutcome
from app.awards.units import flush, run_unit
from app.catalog import repository as catalog
from app.catalog.rules import ProgramRules, Progress, completion_date, evaluate
from app.credentials.issuance import IssuanceService, IssueOptions
from app.credentials.status_changes import Cascade
from app.db import as_utc
from app.errors import AppError
from app.issuers.identity import IssuerIdentity
from app.models import (
    AuditEvent,
    Course,
    CourseAward,
    IssuedCredential,
    Learner,
    Organization,
    Program,
    ProgramAward,
)
from app.models.enums import CredentialKind, CredentialStatus

log = logging.getLogger("laurel.grading")
Earned = dict[str, tuple[CourseAward, Course, IssuedCredential]]

#: Called in the award's transaction once a course or program credential is issued to a
#: learner (e.g. the award e-mail goes to the outbox); wired in app.container.
AwardListener = Callable[[Session, Organization, Learner, IssuedCredential], None]


def earned_courses(rows: list[tuple[CourseAward, Course, IssuedCredential]]) -> Earned:
    """Per course key, the earliest valid award of any run of it."""
    earned: Earned = {}
    for award, course, record in rows:
        if record.status == CredentialStatus.REVOKED:
            continue
        known = earned.get(award.course_key)
        if known is None or as_utc(award.awarded_at) < as_utc(known[0].awarded_at):
            earned[award.course_key] = (award, course, record)
    return earned


def progress_of(program: Program, earned: Earned) -> Progress:
    dates = {key: as_utc(row[0].awarded_at) for key, row in earned.items()}
    return evaluate(ProgramRules.from_json(program.rules), dates)


class ProgramAwarder:
    def __init__(
        self,
        issuance: IssuanceService,
        identity: IssuerIdentity,
        on_awarded: Sequence[AwardListener] = (),
    ) -> None:
        self.issuance = issuance
        self.identity = identity
        self.on_awarded = tuple(on_awarded)

    # -- awarding -----------------------------------------------------------------------------

    def after_course_award(
        self,
        session: Session,
        org: Organization,
        learner_id: int,
        course_key: str,
        actor: str | None,
        event_id: str | None = None,
    ) -> list[ProgramOutcome]:
        """Evaluate every program naming ``course_key``; each award is its own unit."""
        outcomes = []
        for program in catalog.programs_with_course(session, org.id, course_key):
            try:
                outcome = run_unit(
                    session,
                    partial(self._award, session, org, program, learner_id, actor, event_id),
                )
            except AppError as exc:
                outcome = ProgramOutcome(program=program.slug, status="failed", reason=exc.detail)
                self._audit_failure(session, org, program, learner_id, actor, event_id, exc.detail)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _award(
        self,
        session: Session,
        org: Organization,
        program: Program,
        learner_id: int,
        actor: str | None,
        event_id: str | None,
    ) -> ProgramOutcome | None:
        existing = repository.program_award(session, org.id, learner_id, program.id)
        expired = self._renewable(session, existing) if existing is not None else None
        if existing is not None and expired is None:
            return None
        earned = earned_courses(repository.course_awards_of(session, learner_id))
        progress = progress_of(program, earned)
        if not progress.met:
            return None
        counted = [earned[key] for key in progress.counted]
        valid_from = completion_date(
            progress, {k: as_utc(v[0].awarded_at) for k, v in earned.items()}
        )
        if (
            expired is not None
            and expired.valid_until is not None
            and valid_from < as_utc(expired.valid_until)
        ):
            return None  # renewed only by courses completed again after it expired
        learner = session.get(Learner, learner_id)
        assert learner is not None
        document = program_credential(
            self.identity.base_url,
            org.slug,
            program,
            learner,
            [self._counted(row) for row in counted],
            valid_from,
        )
        record = self.issuance.issue(
            session,
            org,
            document,
            IssueOptions(),
            client_id=actor,
            kind=CredentialKind.PROGRAM,
        )
        publics = [as_utc(r.public_from) for _, _, r in counted if r.public_from is not None]
        record.public_from = max(publics) if publics else None
        if expired is not None:  # a renewal: the previous credential is kept and linked
            record.renewal_of = expired.uuid
        session.add(record)
        award = existing or ProgramAward(
            org_id=org.id,
            learner_id=learner_id,
            program_id=program.id,
            credential_uuid=record.uuid,
            awarded_at=valid_from,
            actor=actor,
        )
        award.credential_uuid, award.awarded_at, award.actor = record.uuid, valid_from, actor
        session.add(award)
        flush(session)
        repository.link_counted(session, award.id, [a.id for a, _, _ in counted])
        for listener in self.on_awarded:
            listener(session, org, learner, record)
        courses = ", ".join(c.key for _, c, _ in counted)
        self._audit(
            session, award.org_id, "awarded", learner.lms_id, program.slug, record.uuid, actor,
            event_id, f"program rules met by {courses}",
        )  # fmt: skip
        return ProgramOutcome(program=program.slug, status="awarded", credential=self._ref(record))

    def award_decided(
        self,
        session: Session,
        org: Organization,
        program: Program,
        learner_id: int,
        actor: str | None,
        event_id: str | None,
        awarded_at: datetime,
        reason: str,
    ) -> tuple[IssuedCredential, bool]:
        """A program award another system decided (the Open edX LMS names it by uuid). Call
        inside a unit of work. Returns the award's current credential and whether it was
        issued now: an active or suspended one stands (whoever awarded it, the LMS or
        Laurel's rules: the unique award row makes a second one impossible); a revoked one is
        replaced. The credential cites the program's courses the learner holds; it does not
        rest on them (a course revocation leaves it to the LMS)."""
        existing = repository.program_award(session, org.id, learner_id, program.id)
        if existing is not None:
            current = session.get(IssuedCredential, existing.credential_uuid)
            if current is not None and current.status != CredentialStatus.REVOKED:
                return current, False
        earned = earned_courses(repository.course_awards_of(session, learner_id))
        progress = progress_of(program, earned)
        held = [earned[key] for key in progress.earned]
        learner = session.get(Learner, learner_id)
        assert learner is not None
        document = program_credential(
            self.identity.base_url,
            org.slug,
            program,
            learner,
            [self._counted(row) for row in held],
            awarded_at,
        )
        record = self.issuance.issue(
            session, org, document, IssueOptions(), client_id=actor, kind=CredentialKind.PROGRAM
        )
        publics = [as_utc(r.public_from) for _, _, r in held if r.public_from is not None]
        record.public_from = max(publics) if publics else None
        session.add(record)
        award = existing or ProgramAward(
            org_id=org.id,
            learner_id=learner_id,
            program_id=program.id,
            credential_uuid=record.uuid,
            awarded_at=awarded_at,
            actor=actor,
        )
        award.credential_uuid, award.awarded_at, award.actor = record.uuid, awarded_at, actor
        session.add(award)
        flush(session)  # a racing award of the same program: Clash, and the unit runs again
        repository.link_counted(session, award.id, [])
        for listener in self.on_awarded:
            listener(session, org, learner, record)
        self._audit(
            session, org.id, "awarded", learner.lms_id, program.slug, record.uuid, actor,
            event_id, reason,
        )  # fmt: skip
        return record, True

    @staticmethod
    def _renewable(session: Session, award: ProgramAward) -> IssuedCredential | None:
        """The award's credential when it has a validUntil and is active: a renewal may
        replace it (once courses completed after it expired meet the rules again)."""
        current = session.get(IssuedCredential, award.credential_uuid)
        if current is None or current.valid_until is None:
            return None
        return current if current.status == CredentialStatus.ACTIVE else None

    def _counted(self, row: tuple[CourseAward, Course, IssuedCredential]) -> CountedCourse:
        award, course, record = row
        return CountedCourse(
            course=course,
            credential_id=record.credential_id,
            credential_url=self.identity.credential_url(record.uuid),
            awarded_at=as_utc(award.awarded_at),
        )

    # -- revocation cascade and re-issue (CredentialStatusService.on_revoked) ---------------

    def on_revoked(
        self, session: Session, record: IssuedCredential, actor: str | None
    ) -> list[Cascade]:
        """The program awards that no longer hold without ``record``."""
        if record.kind not in ("course", "program"):
            return []
        if record.superseded_by is not None:
            self._follow_reissue(session, record, actor)
            return []
        course_award = (
            repository.course_award_by_credential(session, record.uuid)
            if record.kind == "course"
            else None
        )
        if course_award is None:
            return []
        falling = []
        for program_award in repository.program_awards_counting(session, course_award.id):
            cascade = self._reconsider(session, program_award, course_award, record, actor)
            if cascade is not None:
                falling.append(cascade)
        return falling

    def _reconsider(
        self,
        session: Session,
        program_award: ProgramAward,
        lost: CourseAward,
        lost_record: IssuedCredential,
        actor: str | None,
    ) -> Cascade | None:
        program_record = session.get(IssuedCredential, program_award.credential_uuid)
        program = session.get(Program, program_award.program_id)
        if (
            program_record is None
            or program is None
            or program_record.status == CredentialStatus.REVOKED
        ):
            return None
        rows = [
            row
            for row in repository.course_awards_of(session, program_award.learner_id)
            if row[2].uuid != lost_record.uuid
        ]
        earned = earned_courses(rows)
        progress = progress_of(program, earned)
        learner = session.get(Learner, program_award.learner_id)
        lms_id = learner.lms_id if learner else None
        if progress.met:
            repository.link_counted(
                session,
                program_award.id,
                [earned[k][0].id for k in progress.counted],
            )
            return None
        run = session.get(Course, lost.course_id)
        reason = (
            f'course "{lost.course_key}" ({run.key if run else "?"}) no longer counts: '
            f"its credential {lost_record.credential_id} was revoked"
        )
        self._audit(
            session, program_award.org_id, "revoked", lms_id, program.slug, program_record.uuid,
            actor, None, reason,
        )  # fmt: skip
        return Cascade(program_record, reason)

    def _follow_reissue(self, session: Session, old: IssuedCredential, actor: str | None) -> None:
        """The award now points at the successor, which keeps the old public_from."""
        successor = session.get(IssuedCredential, old.superseded_by)
        if successor is None:
            return
        successor.public_from = old.public_from
        session.add(successor)
        award: CourseAward | ProgramAward | None
        if old.kind == "course":
            award = repository.course_award_by_credential(session, old.uuid)
        else:
            award = repository.program_award_by_credential(session, old.uuid)
        if award is None:
            return
        award.credential_uuid = successor.uuid
        session.add(award)
        learner = session.get(Learner, award.learner_id)
        if isinstance(award, CourseAward):
            course = session.get(Course, award.course_id)
            run, slug = (course.key if course else None), None
        else:
            program = session.get(Program, award.program_id)
            run, slug = None, (program.slug if program else None)
        session.add(
            AuditEvent(
                org_id=award.org_id,
                actor=actor,
                action="reissued",
                kind=old.kind,
                learner_lms_id=learner.lms_id if learner else None,
                course_run=run,
                program_slug=slug,
                credential_uuid=successor.uuid,
                reason=f"re-issued from current learner data; replaces {old.credential_id}",
            )
        )

    def rebuild_course(self, session: Session, old: IssuedCredential) -> dict[str, Any]:
        """Reissuer.rebuilders["course"]: the same award, with today's learner and course."""
        award = repository.course_award_by_credential(session, old.uuid)
        if award is None:
            return json.loads(old.document)
        course = session.get(Course, award.course_id)
        learner = session.get(Learner, award.learner_id)
        org = session.get(Organization, award.org_id)
        assert course is not None and learner is not None and org is not None
        facts = AwardFacts(
            as_utc(award.awarded_at),
            award.basis,
            award.percent_grade,
            award.letter_grade,
            award.band,
        )
        return course_credential(self.identity.base_url, org.slug, course, learner, facts)

    def rebuild_program(self, session: Session, old: IssuedCredential) -> dict[str, Any]:
        """Reissuer.rebuilders["program"]: same counted courses, today's learner data."""
        award = repository.program_award_by_credential(session, old.uuid)
        if award is None:
            return json.loads(old.document)
        program = session.get(Program, award.program_id)
        learner = session.get(Learner, award.learner_id)
        org = session.get(Organization, award.org_id)
        assert program is not None and learner is not None and org is not None
        counted = [
            self._counted(row) for row in repository.counted_course_awards(session, award.id)
        ]
        return program_credential(
            self.identity.base_url,
            org.slug,
            program,
            learner,
            counted,
            as_utc(award.awarded_at),
        )

    # -- helpers ------------------------------------------------------------------------------

    def _ref(self, record: IssuedCredential) -> CredentialRef:
        return CredentialRef(
            id=record.credential_id,
            uuid=record.uuid,
            url=self.identity.credential_url(record.uuid),
            status=record.status,
        )

    @staticmethod
    def _audit(
        session: Session,
        org_id: int,
        action: str,
        learner: str | None,
        program: str,
        credential_uuid: str | None,
        actor: str | None,
        event_id: str | None,
        reason: str | None,
    ) -> None:
        session.add(
            AuditEvent(
                org_id=org_id,
                actor=actor,
                action=action,
                kind="program",
                learner_lms_id=learner,
                program_slug=program,
                credential_uuid=credential_uuid,
                event_id=event_id,
                reason=reason,
            )
        )

    def _audit_failure(
        self,
        session: Session,
        org: Organization,
        program: Program,
        learner_id: int,
        actor: str | None,
        event_id: str | None,
        detail: str,
    ) -> None:
        learner = session.get(Learner, learner_id)
        log.warning("program %s not awarded to learner %s: %s", program.slug, learner_id, detail)
        self._audit(
            session, org.id, "refused", learner.lms_id if learner else None, program.slug,
            None, actor, event_id, f"program credential not issued: {detail}",
        )  # fmt: skip
