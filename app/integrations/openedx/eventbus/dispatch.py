"""One stream entry applied: decode its ``event_data`` by its ``type``, then hand the LMS's
word to the Open edX service that the REST path uses too (the database decides).

Several event types share a topic (``learning-certificate-lifecycle`` carries certificate
created/changed/revoked), so dispatch is by the entry's ``type``; a type we do not consume is
acknowledged as ``ignored``. What edx-platform sends, and what it means here:

- ``certificate.created.v1``: sent when a certificate is saved in a passing status → award.
- ``certificate.revoked.v1``: sent by invalidate / mark_notpassing / mark_unverified → revoke.
- ``certificate.changed.v1``: sent on every save; a passing status awards, a status the
  revocation paths set revokes, anything else (generating, error, audit_passing...) changes
  nothing.
- ``course.passing.status.updated.v1``: no grade, only the verdict: the learner's identity
  (username ↔ LMS user id, name, e-mail) is stored so that grade events, which carry only the
  user id, find them.
- ``course.persistent_grade_summary.changed.v1``: the grade is stored (newest wins); it
  awards nothing: the certificate does.

The event's ``time`` is the LMS time that orders awards and revocations (a late, older one
is ``stale``); its ``id`` makes redelivery harmless (``repository.claim_event``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from app.awards.units import run_unit
from app.errors import AppError, Conflict, NotFound
from app.integrations.openedx.eventbus import repository
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.consumer import RetryLater
from app.integrations.openedx.eventbus.envelope import BusEntry
from app.integrations.openedx.eventbus.payloads import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    GRADE_SUMMARY_CHANGED,
    PASSING_STATUS_UPDATED,
    CertificateData,
    CoursePassingStatusData,
    PersistentCourseGradeData,
)
from app.issuers.keys.files import KeyFileError
from app.models import Course, Learner, Organization

log = logging.getLogger("laurel.eventbus")

#: Who issued and revoked, in credentials and audit rows (at most 64 characters there).
ACTOR = "openedx-event-bus"

#: edx-platform CertificateStatuses.PASSED_STATUSES: the LMS granted the certificate.
PASSING_STATUSES = frozenset({"downloadable", "generating", "downloading", "regenerating"})
#: What GeneratedCertificate.invalidate / mark_notpassing / mark_unverified set.
REVOKING_STATUSES = frozenset(
    {"unavailable", "notpassing", "unverified", "audit_notpassing", "honor_notpassing"}
)


class OpenEdxActions(Protocol):
    """The part of ``app.integrations.openedx.service.OpenEdxService`` the bus uses."""

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
    ) -> Any: ...

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
    ) -> Any: ...

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
    ) -> Any: ...

    def course_run_for(
        self, session: Session, course_key: str, title: str | None = None
    ) -> tuple[Organization, Course]: ...

    def learner_for(
        self,
        session: Session,
        org: Organization,
        username: str | None,
        lms_user_id: int | str | None,
        name: str | None,
        email: str | None,
        when: datetime,
    ) -> Learner: ...


Handler = Callable[[Session, BusEntry, dict[str, Any]], str]


class Dispatcher:
    """``apply(session, entry) -> outcome`` for the consumer, in the caller's transaction."""

    def __init__(self, codec: AvroCodec, openedx: OpenEdxActions, stream: str) -> None:
        self.codec = codec
        self.openedx = openedx
        self.stream = stream
        self.actor = ACTOR
        self.handlers: dict[str, Handler] = {
            CERTIFICATE_CREATED: self._created,
            CERTIFICATE_CHANGED: self._changed,
            CERTIFICATE_REVOKED: self._revoked,
            PASSING_STATUS_UPDATED: self._passing_status,
            GRADE_SUMMARY_CHANGED: self._grade,
        }

    def __call__(self, session: Session, entry: BusEntry) -> str:
        handler = self.handlers.get(entry.type)
        if handler is None:
            return "ignored"  # another event type on the same topic: not ours to apply
        record = self.codec.decode(entry.type, entry.event_data)  # poison: raises
        if not repository.claim_event(session, entry.id, entry.type, self.stream, entry.entry_id):
            return "duplicate"
        try:
            outcome = handler(session, entry, record)
        except Conflict as exc:  # racing writers kept winning: not the entry's fault
            raise RetryLater(str(exc)) from None
        except KeyFileError as exc:  # the operator must restore a key: poison it is not
            raise RetryLater(str(exc)) from None
        except NotFound as exc:
            # A course organization code no organization connected: another tenant's course
            # on a shared LMS. Not poison; counted in the progress line.
            log.info("event %s ignored: %s", entry.id, exc)
            outcome = "unconnected"
        except AppError as exc:
            if exc.status >= 500:  # our state (e.g. a full status list), not the entry's
                raise RetryLater(str(exc)) from None
            raise
        repository.set_outcome(session, entry.id, outcome)
        return outcome

    # -- certificates -------------------------------------------------------------------------

    def _created(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        return self._award(session, entry, CertificateData.of(record))

    def _revoked(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        return self._revoke(session, entry, CertificateData.of(record))

    def _changed(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        cert = CertificateData.of(record)
        if cert.current_status in PASSING_STATUSES:
            return self._award(session, entry, cert)
        if cert.current_status in REVOKING_STATUSES:
            return self._revoke(session, entry, cert)
        return "unchanged"

    def _award(self, session: Session, entry: BusEntry, cert: CertificateData) -> str:
        outcome = self.openedx.award_course_certificate(
            session,
            cert.course.course_key,
            cert.user.username,
            cert.user.id,
            cert.user.name or cert.name or None,
            cert.user.email or None,
            cert.mode or None,
            lms_time=entry.time,
            title=cert.course.display_name or None,
            event_id=entry.id,
            actor=self.actor,
        )
        return str(outcome.status)

    def _revoke(self, session: Session, entry: BusEntry, cert: CertificateData) -> str:
        outcome = self.openedx.revoke_course_certificate(
            session,
            cert.course.course_key,
            cert.user.username,
            cert.user.id,
            lms_time=entry.time,
            mode=cert.mode or None,
            reason=f"revoked by the LMS (Open edX certificate {cert.current_status or 'revoked'})",
            event_id=entry.id,
            actor=self.actor,
        )
        return str(outcome.status)

    # -- grades -------------------------------------------------------------------------------

    def _passing_status(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        status = CoursePassingStatusData.of(record)
        org, _ = self.openedx.course_run_for(
            session, status.course.course_key, status.course.display_name or None
        )
        user = status.user
        run_unit(
            session,
            lambda: self.openedx.learner_for(
                session, org, user.username, user.id, user.name or None, user.email or None,
                entry.time,
            ),
        )  # fmt: skip
        return "passing" if status.is_passing else "not_passing"

    def _grade(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        grade = PersistentCourseGradeData.of(record)
        outcome = self.openedx.record_grade(
            session,
            grade.course.course_key,
            None,
            grade.user_id,
            grade.percent_grade,
            grade.letter_grade or None,
            entry.time,
            title=grade.course.display_name or None,
            event_id=entry.id,
        )
        return "stale" if outcome.stale else "graded"
