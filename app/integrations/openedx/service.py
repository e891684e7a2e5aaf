"""What the Open edX LMS says, applied: the decisions the REST path (the credentials-service
API) and the event-bus path share.

The LMS has already decided: a certificate it grants stands in for Laurel's threshold, and a
revocation it sends revokes. Every call is one unit of work (a savepoint, rerun when a racing
twin wins a unique constraint); the database alone settles duplicates, races and order:

- the learner, their username, the course run and the award each have a unique constraint;
- the LMS's latest word on each certificate (``OpenEdxCertificate``) changes only by a
  compare-and-set on LMS time, so a late, older award never undoes a newer revocation, and a
  late, older revocation never revokes a newer award (a re-award issues a new credential:
  Laurel's revocations are final).

The caller (request, CLI command, stream consumer) owns the transaction and commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.awards import repository as awards
from app.awards.documents import AwardFacts
from app.awards.plans import terms_of
from app.awards.schemas import LearnerRef, ProgramOutcome
from app.awards.service import GradingService
from app.awards.thresholds import band_for
from app.awards.units import flush, run_unit
from app.catalog import repository as catalog
from app.credentials.status_changes import CredentialStatusService
from app.db import as_utc, utcnow
from app.errors import InvalidInput, NotFound
from app.integrations.openedx import repository
from app.integrations.openedx.course_keys import parse_course_key
from app.models import (
    AuditEvent,
    Course,
    CourseGrade,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxConnection,
    OpenEdxUser,
    Organization,
    Program,
)
from app.models.enums import CredentialKind, CredentialStatus
from app.models.fields import DEFAULT_CERTIFICATE_MODES, course_of_run

log = logging.getLogger("laurel.openedx")

AWARDED = "awarded"
REVOKED = "revoked"
COURSE_RUN = "course-run"
PROGRAM = "program"
#: A date_override further ahead than this is not a date the credential may carry.
_SKEW = timedelta(minutes=5)


@dataclass
class CertificateOutcome:
    """What one award or revocation from the LMS did.

    ``status``: ``awarded`` (a credential was issued now), ``already_awarded`` (one stands;
    nothing issued), ``revoked`` (the LMS's revocation is stored and the credential, if any,
    revoked now), ``already_revoked`` (the same revocation again: nothing changed), ``stale``
    (the LMS said something newer already: ignored). ``certificate`` is the stored word,
    ``credential`` the Laurel credential standing for it (None when there is none).
    """

    status: str
    certificate: OpenEdxCertificate
    credential: IssuedCredential | None = None
    programs: list[ProgramOutcome] = field(default_factory=list)


@dataclass
class GradeOutcome:
    """``stale``: a newer grade (LMS time) was already stored, so this one was not."""

    org: Organization
    course: Course
    learner: Learner
    stale: bool


def precise_now() -> datetime:
    """LMS time for calls that carry none (the REST path): arrival order, to the microsecond."""
    return datetime.now(UTC)


class OpenEdxService:
    def __init__(self, grading: GradingService, credential_status: CredentialStatusService) -> None:
        self.grading = grading
        self.credential_status = credential_status

    # -- connections and course runs ----------------------------------------------------------

    @staticmethod
    def connection_for_course_key(session: Session, course_key: str) -> OpenEdxConnection | None:
        """The connection owning the run's course organization code, or None (also for a key
        that is not an Open edX course run key). Reads only."""
        try:
            key = parse_course_key(course_key)
        except InvalidInput:
            return None
        found = repository.connection_for_code(session, key.code)
        return found[0] if found is not None else None

    @staticmethod
    def org_for_course_key(session: Session, course_key: str) -> Organization:
        """The organization owning the run; 422 for a malformed key, 404 when its code is not
        connected (``laurel openedx connect --course-org CODE``)."""
        key = parse_course_key(course_key)
        found = repository.connection_for_code(session, key.code)
        if found is None:
            raise NotFound(
                f'no organization is connected for the course organization "{key.code}" '
                f"(laurel openedx connect --course-org {key.code})",
                field="course_run_key",
            )
        return found[1]

    def course_run_for(
        self, session: Session, course_key: str, title: str | None = None
    ) -> tuple[Organization, Course]:
        """The organization and course run of ``course_key``, creating the run on first sight
        (title: ``title`` if given and non-empty, else the key; it certifies on the LMS's
        decision). A run whose title is still its key takes a later non-empty ``title``.
        Safe under races: the loser of the unique (org, key) insert reads the winner's row.
        Raises 422 (malformed key) or 404 (code not connected)."""
        org = self.org_for_course_key(session, course_key)
        key = parse_course_key(course_key).key
        title = (title or "").strip()[:300] or None
        course = catalog.course_by_key(session, org.id, key)
        if course is None:
            course = Course(
                org_id=org.id,
                key=key,
                course_key=course_of_run(key),
                title=title or key,
                certifies_on="completion",  # the LMS decides; grades are only recorded
                certificate_modes=list(DEFAULT_CERTIFICATE_MODES),
            )
            try:
                with session.begin_nested():
                    session.add(course)
                    session.flush()
            except IntegrityError:  # a concurrent call created it first
                course = catalog.course_by_key(session, org.id, key)
                if course is None:
                    raise
        elif title and course.title == course.key:
            course.title = title
            course.updated_at = utcnow()
            session.add(course)
            session.flush()
        return org, course

    # -- learners -----------------------------------------------------------------------------

    def learner_for(
        self,
        session: Session,
        org: Organization,
        username: str | None,
        lms_user_id: int | str | None,
        name: str | None,
        email: str | None,
        when: datetime,
    ) -> Learner:
        """The learner an LMS username / user id names, created on first sight (``lms_id`` =
        the LMS user id when known, else the username); a non-empty name or email updates
        them unless newer facts are stored. Call inside a unit of work (``run_unit``)."""
        uid = str(lms_user_id).strip() if lms_user_id not in (None, "") else None
        username = (username or "").strip() or None
        if username is None and uid is None:
            raise InvalidInput('"username" is required', field="username")
        user = repository.user_by_username(session, org.id, username) if username else None
        if user is None and uid is not None:
            user = repository.user_by_lms_user_id(session, org.id, uid)
        if user is not None:
            learner = repository.learner(session, user.learner_id)
            assert learner is not None
            if uid is not None and user.lms_user_id is None:
                user.lms_user_id = uid
                session.add(user)
            if username is not None and user.username != username:  # a renamed LMS user
                session.add(
                    OpenEdxUser(
                        org_id=org.id, username=username, lms_user_id=uid, learner_id=learner.id
                    )
                )
                flush(session)
            if name or email:
                learner = self.grading.upsert_learner(
                    session, org, learner_ref(learner.lms_id, name, email), when
                )
            return learner
        learner = self.grading.upsert_learner(
            session, org, learner_ref(uid or username or "", name, email), when
        )
        if username is not None:
            session.add(
                OpenEdxUser(
                    org_id=org.id, username=username, lms_user_id=uid, learner_id=learner.id
                )
            )
            flush(session)  # a racing twin made it: Clash, and the unit runs again
        return learner

    @staticmethod
    def learner_named(session: Session, org: Organization, username: str) -> Learner | None:
        """The learner an LMS username already names in ``org`` (reads only)."""
        user = repository.user_by_username(session, org.id, username.strip())
        return repository.learner(session, user.learner_id) if user is not None else None

    # -- course certificates ------------------------------------------------------------------

    def award_course_certificate(
        self,
        session: Session,
        course_key: str,
        username: str | None,
        lms_user_id: int | str | None,
        name: str | None,
        email: str | None,
        mode: str | None,
        visible_date: datetime | None = None,
        *,
        lms_time: datetime | None = None,
        date_override: datetime | None = None,
        title: str | None = None,
        event_id: str | None = None,
        actor: str | None = None,
    ) -> CertificateOutcome:
        """The LMS granted a course certificate: issue the course credential once.

        What callers may rely on:
        - exactly one active credential per learner and run, however often and however
          concurrently this is called (duplicates answer ``already_awarded``);
        - ``lms_time`` (the event's time; default: now) orders it against revocations of the
          same certificate: an award older than a stored revocation is ``stale`` and issues
          nothing; a newer one after a revocation issues a new credential;
        - the run is created on first sight (``title`` or the key) when its course
          organization code is connected; 404 when not, 422 for a malformed key;
        - ``visible_date``: the credential is not public before it (default: the run's
          certificate available date); ``date_override`` becomes the award date;
        - programs naming the course are then evaluated (Laurel's rules), each in its own unit;
        - nothing is committed: the caller commits (a stream consumer, then XACKs).
        """
        org, course = self.course_run_for(session, course_key, title)
        when = _lms_time(lms_time)
        visible = as_utc(visible_date) if visible_date is not None else None
        override = _override(date_override)

        def unit() -> tuple[CertificateOutcome, int]:
            learner = self.learner_for(session, org, username, lms_user_id, name, email, when)
            outcome = self.award_to(
                session, org, course, learner, when, mode, visible, override, event_id, actor
            )
            return outcome, learner.id

        outcome, learner_id = run_unit(session, unit)
        if outcome.status in (AWARDED, "already_awarded"):
            outcome.programs = self.grading.after_course_award(
                session, org, learner_id, course, actor, event_id
            )
        return outcome

    def award_to(
        self,
        session: Session,
        org: Organization,
        course: Course,
        learner: Learner,
        when: datetime,
        mode: str | None,
        visible: datetime | None,
        override: datetime | None,
        event_id: str | None,
        actor: str | None,
    ) -> CertificateOutcome:
        """``award_course_certificate`` once its run and learner are known: store the LMS's
        word, then issue unless a credential stands. Call inside a unit of work."""
        cert, fresh = self._word(
            session, org, learner, COURSE_RUN, course.key, AWARDED, when,
            mode=mode, visible_date=visible, date_override=override,
        )  # fmt: skip
        if not fresh:
            return self._unchanged(session, cert, AWARDED, when)
        grade = awards.grade_for(session, learner.id, course.id)
        facts = self.facts_of(course, grade, override or when)
        record, issued = self.grading.award_decided(
            session, org, course, learner, facts,
            mode=mode, event_id=event_id, actor=actor, reason=certificate_reason(mode, event_id),
        )  # fmt: skip
        public_from = visible if visible is not None else course.certificate_available_date
        if issued or (visible is not None and record.public_from != visible):
            record.public_from = public_from
            session.add(record)
        repository.set_certificate_credential(session, cert.id, record.uuid)
        cert.credential_uuid = record.uuid
        return CertificateOutcome(AWARDED if issued else "already_awarded", cert, record)

    @staticmethod
    def facts_of(course: Course, grade: CourseGrade | None, awarded_at: datetime) -> AwardFacts:
        """What the award records: the LMS's decision, with the learner's stored grade."""
        percent = grade.percent_grade if grade is not None else None
        return AwardFacts(
            awarded_at=awarded_at.replace(microsecond=0),
            basis="grade" if course.certifies_on == "grade" and percent is not None
            else "completion",
            percent_grade=percent,
            letter_grade=grade.letter_grade if grade is not None else None,
            band=band_for(percent, terms_of(course).bands) if percent is not None else None,
        )  # fmt: skip

    def revoke_course_certificate(
        self,
        session: Session,
        course_key: str,
        username: str | None,
        lms_user_id: int | str | None,
        *,
        lms_time: datetime | None = None,
        mode: str | None = None,
        reason: str | None = None,
        event_id: str | None = None,
        actor: str | None = None,
    ) -> CertificateOutcome:
        """The LMS revoked a course certificate: revoke its credential (final), and with it the
        program credentials Laurel's rules no longer support.

        What callers may rely on: idempotent (the same revocation again is
        ``already_revoked``); a revocation older (``lms_time``) than a stored award is
        ``stale`` and revokes nothing; a revocation that arrives before any award is stored,
        so the award it overtook (older) is ``stale`` when it comes; the run and learner are
        created on first sight as for awards. The caller commits.
        """
        org, course = self.course_run_for(session, course_key)
        when = _lms_time(lms_time)

        def unit() -> CertificateOutcome:
            learner = self.learner_for(session, org, username, lms_user_id, None, None, when)
            cert, fresh = self._word(
                session, org, learner, COURSE_RUN, course.key, REVOKED, when, mode=mode
            )
            if not fresh:
                return self._unchanged(session, cert, REVOKED, when)
            award = awards.course_award(session, org.id, learner.id, course.id)
            record = session.get(IssuedCredential, award.credential_uuid) if award else None
            if record is not None and record.status != CredentialStatus.REVOKED:
                why = reason or "revoked by the LMS (Open edX)"
                self.credential_status.revoke(session, record, why, actor)
                _audit(
                    session, org, REVOKED, CredentialKind.COURSE, learner, actor, event_id, why,
                    record.uuid, course_run=course.key,
                )  # fmt: skip
            return CertificateOutcome(REVOKED, cert, record)

        return run_unit(session, unit)

    # -- program certificates -----------------------------------------------------------------

    @staticmethod
    def program_for_uuid(
        session: Session, org_ids: list[int], program_uuid: str
    ) -> tuple[Organization, Program]:
        """The Laurel program whose ``external_id`` is the LMS's program uuid, in one of
        ``org_ids``; 404 naming ``program_uuid`` otherwise."""
        for org_id in org_ids:
            program = catalog.program_by_external_id(session, org_id, program_uuid)
            if program is not None:
                org = session.get(Organization, org_id)
                assert org is not None
                return org, program
        raise NotFound(
            f"No active ProgramCertificate exists for program [{program_uuid}] (set the Laurel "
            'program\'s "external_id" to it)',
            field="program_uuid",
        )

    def award_program_certificate(
        self,
        session: Session,
        org: Organization,
        program: Program,
        username: str | None,
        lms_user_id: int | str | None,
        *,
        lms_time: datetime | None = None,
        date_override: datetime | None = None,
        visible_date: datetime | None = None,
        actor: str | None = None,
        event_id: str | None = None,
    ) -> CertificateOutcome:
        """The LMS awarded a program (by uuid): issue the program credential unless one stands
        (Laurel's own rules may have awarded it already: never twice). Ordered against
        revocations by ``lms_time`` like course certificates. The caller commits."""
        when = _lms_time(lms_time)
        override = _override(date_override)
        visible = as_utc(visible_date) if visible_date is not None else None
        ident = program.external_id or program.slug

        def unit() -> CertificateOutcome:
            learner = self.learner_for(session, org, username, lms_user_id, None, None, when)
            cert, fresh = self._word(
                session, org, learner, PROGRAM, ident, AWARDED, when,
                visible_date=visible, date_override=override,
            )  # fmt: skip
            if not fresh:
                return self._unchanged(session, cert, AWARDED, when)
            record, issued = self.grading.programs.award_decided(
                session, org, program, learner.id, actor, event_id,
                (override or when).replace(microsecond=0), f"Open edX program certificate {ident}",
            )  # fmt: skip
            if visible is not None and (issued or record.public_from != visible):
                record.public_from = visible
                session.add(record)
            repository.set_certificate_credential(session, cert.id, record.uuid)
            cert.credential_uuid = record.uuid
            return CertificateOutcome(AWARDED if issued else "already_awarded", cert, record)

        return run_unit(session, unit)

    def revoke_program_certificate(
        self,
        session: Session,
        org: Organization,
        program: Program,
        username: str | None,
        lms_user_id: int | str | None,
        *,
        lms_time: datetime | None = None,
        actor: str | None = None,
        event_id: str | None = None,
    ) -> CertificateOutcome:
        """The LMS revoked a program certificate: revoke the program credential (whoever
        awarded it). Idempotent and ordered like course revocations. The caller commits."""
        when = _lms_time(lms_time)
        ident = program.external_id or program.slug

        def unit() -> CertificateOutcome:
            learner = self.learner_for(session, org, username, lms_user_id, None, None, when)
            cert, fresh = self._word(session, org, learner, PROGRAM, ident, REVOKED, when)
            if not fresh:
                return self._unchanged(session, cert, REVOKED, when)
            award = awards.program_award(session, org.id, learner.id, program.id)
            record = session.get(IssuedCredential, award.credential_uuid) if award else None
            if record is not None and record.status != CredentialStatus.REVOKED:
                why = "revoked by the LMS (Open edX)"
                self.credential_status.revoke(session, record, why, actor)
                _audit(
                    session, org, REVOKED, CredentialKind.PROGRAM, learner, actor, event_id, why,
                    record.uuid, program=program.slug,
                )  # fmt: skip
            return CertificateOutcome(REVOKED, cert, record)

        return run_unit(session, unit)

    # -- grades -------------------------------------------------------------------------------

    def record_grade(
        self,
        session: Session,
        course_key: str,
        username: str | None,
        lms_user_id: int | str | None,
        percent_grade: float,
        letter_grade: str | None,
        lms_time: datetime | None,
        *,
        mode: str | None = None,
        name: str | None = None,
        email: str | None = None,
        title: str | None = None,
        event_id: str | None = None,
    ) -> GradeOutcome:
        """Store the learner's grade in the run (newest LMS time wins; an older one is
        ``stale``). It awards nothing: the LMS's certificate does. ``percent_grade`` is 0..1
        (422 otherwise); an empty ``letter_grade`` is stored as none. Idempotent; the run and
        learner are created on first sight. The caller commits."""
        if not 0.0 <= percent_grade <= 1.0:
            raise InvalidInput('"percent_grade" must be between 0 and 1', field="percent_grade")
        org, course = self.course_run_for(session, course_key, title)
        when = _lms_time(lms_time)
        grade_event = event_id or f"openedx:{when.isoformat()}"
        letter = (letter_grade or "").strip()[:20] or None

        def unit() -> GradeOutcome:
            learner = self.learner_for(session, org, username, lms_user_id, name, email, when)
            _, stale = self.grading.store_grade(
                session, org, learner, course, percent_grade, letter, mode, when, grade_event
            )
            return GradeOutcome(org, course, learner, stale)

        return run_unit(session, unit)

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _word(
        session: Session,
        org: Organization,
        learner: Learner,
        type_: str,
        ident: str,
        status: str,
        when: datetime,
        **values: Any,
    ) -> tuple[OpenEdxCertificate, bool]:
        """Store the LMS's word unless a newer one is stored; returns the row and whether this
        word is now the stored one."""
        values = {k: v for k, v in values.items() if v is not None}
        key = f"{type_}:{ident}"
        cert = repository.certificate(session, org.id, learner.id, key)
        if cert is None:
            cert = OpenEdxCertificate(
                uuid=str(uuid.uuid4()),
                org_id=org.id,
                learner_id=learner.id,
                credential_key=key,
                type=type_,
                course_run_key=ident if type_ == COURSE_RUN else None,
                program_uuid=ident if type_ == PROGRAM else None,
                status=status,
                lms_time=when,
                **values,
            )
            session.add(cert)
            flush(session)  # a racing twin stored it first: Clash, the unit runs again
            return cert, True
        won = repository.set_certificate_if_newer(
            session, cert.id, status, when, {**values, "modified_at": utcnow()}
        )
        session.refresh(cert)
        return cert, won

    @staticmethod
    def _unchanged(
        session: Session, cert: OpenEdxCertificate, status: str, when: datetime
    ) -> CertificateOutcome:
        record = (
            session.get(IssuedCredential, cert.credential_uuid) if cert.credential_uuid else None
        )
        if cert.status == status:
            return CertificateOutcome(f"already_{status}", cert, record)
        log.info(
            "ignored an older %s of %s (stored: %s at %s; this one at %s)",
            status, cert.credential_key, cert.status, cert.lms_time, when,
        )  # fmt: skip
        return CertificateOutcome("stale", cert, record)


def certificate_reason(mode: str | None, event_id: str | None) -> str:
    """The audit trail's words for an award the LMS's certificate decided."""
    return f"Open edX certificate ({mode or 'unknown mode'})" + (
        f", event {event_id}" if event_id else ""
    )


def _lms_time(value: datetime | None) -> datetime:
    return as_utc(value) if value is not None else precise_now()


def _override(value: datetime | None) -> datetime | None:
    """A date override in the future is not a date a credential may carry: ignored."""
    if value is None:
        return None
    value = as_utc(value)
    return value if value <= datetime.now(UTC) + _SKEW else None


def learner_ref(lms_id: str, name: str | None, email: str | None) -> LearnerRef:
    """The learner as the LMS names them; a name or email Laurel cannot take is left out
    rather than refusing the award."""
    try:
        return LearnerRef(id=lms_id, name=name or None, email=email or None)
    except ValidationError:
        pass
    try:
        return LearnerRef(id=lms_id, name=(name or "")[:300] or None)
    except ValidationError:
        raise InvalidInput(
            f'"username" "{lms_id[:100]}" is not a usable name', field="username"
        ) from None


def _audit(
    session: Session,
    org: Organization,
    action: str,
    kind: str,
    learner: Learner,
    actor: str | None,
    event_id: str | None,
    reason: str,
    credential_uuid: str | None,
    *,
    course_run: str | None = None,
    program: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            org_id=org.id,
            actor=actor,
            action=action,
            kind=kind,
            learner_lms_id=learner.lms_id,
            course_run=course_run,
            program_slug=program,
            credential_uuid=credential_uuid,
            event_id=event_id,
            reason=reason[:1000],
        )
    )
