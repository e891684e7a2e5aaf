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
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.awards.units import run_unit
from app.db import as_utc
from app.errors import AppError, Conflict, NotFound
from app.integrations.openedx import certificate_batch
from app.integrations.openedx.certificate_batch import CertificateWord, Runs
from app.integrations.openedx.eventbus import repository
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.consumer import TRANSIENT, RetryLater
from app.integrations.openedx.eventbus.envelope import BusEntry
from app.integrations.openedx.eventbus.payloads import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    GRADE_SUMMARY_CHANGED,
    PASSING_STATUS_UPDATED,
    CertificateData,
    CoursePassingStatusData,
    InvalidPayload,
    PersistentCourseGradeData,
)
from app.integrations.openedx.service import AWARDED, REVOKED, OpenEdxService
from app.issuers.keys.files import KeyFileError

log = logging.getLogger("laurel.eventbus")

#: Who issued and revoked, in credentials and audit rows (at most 64 characters there).
ACTOR = "openedx-event-bus"

#: Tries of a grouped round that lost a unique constraint to a parallel consumer.
ROUND_ATTEMPTS = 3

#: edx-platform CertificateStatuses.PASSED_STATUSES: the LMS granted the certificate.
PASSING_STATUSES = frozenset({"downloadable", "generating", "downloading", "regenerating"})
#: What GeneratedCertificate.invalidate / mark_notpassing / mark_unverified set.
REVOKING_STATUSES = frozenset(
    {"unavailable", "notpassing", "unverified", "audit_notpassing", "honor_notpassing"}
)


Handler = Callable[[Session, BusEntry, dict[str, Any]], str]


class Dispatcher:
    """``dispatcher(session, entries) -> results`` for the consumer, in the caller's
    transaction: each entry's outcome, or the exception that makes it poison."""

    def __init__(
        self, codec: AvroCodec, openedx: OpenEdxService, stream: str, *, grouped: bool = True
    ) -> None:
        self.codec = codec
        self.openedx = openedx
        self.stream = stream
        #: False: every entry one at a time (the reference the grouped path is tested against).
        self.grouped = grouped
        self.actor = ACTOR
        self.handlers: dict[str, Handler] = {
            CERTIFICATE_CREATED: self._created,
            CERTIFICATE_CHANGED: self._changed,
            CERTIFICATE_REVOKED: self._revoked,
            PASSING_STATUS_UPDATED: self._passing_status,
            GRADE_SUMMARY_CHANGED: self._grade,
        }

    def __call__(self, session: Session, entries: list[BusEntry]) -> list[str | Exception]:
        """Apply a batch: first certificates together (``certificate_batch``), everything
        else one entry at a time, each in its savepoint (a poison entry is undone alone).
        A transient error (``TRANSIENT``) is raised: the whole batch is undone and read
        again. Status lists the batch changes are re-signed once, at its end."""
        try:
            with self.openedx.credential_status.lists.deferred_signing(session):
                return self._apply_batch(session, entries)
        except KeyFileError as exc:  # re-signing a list at the end: the operator's to fix
            raise RetryLater(str(exc)) from None

    def _apply_batch(self, session: Session, entries: list[BusEntry]) -> list[str | Exception]:
        results: list[str | Exception | None] = [None] * len(entries)
        decoded: dict[int, dict[str, Any]] = {}
        for n, entry in enumerate(entries):
            if entry.type not in self.handlers:
                results[n] = "ignored"  # another event type on the same topic: not ours
                continue
            try:
                decoded[n] = self.codec.decode(entry.type, entry.event_data)
            except Exception as exc:  # poison: it cannot be read
                results[n] = exc
        claimed = repository.claim_events(
            session,
            [(entries[n].id, entries[n].type, self.stream, entries[n].entry_id) for n in decoded],
        )
        todo: list[int] = []
        for n in decoded:
            if entries[n].id in claimed:
                claimed.discard(entries[n].id)  # a second copy in this batch is a duplicate
                todo.append(n)
            else:
                results[n] = "duplicate"
        grouped = self._apply_grouped(session, entries, decoded, todo, results)
        for n in todo:
            if n in grouped:
                continue
            try:
                with session.begin_nested():
                    results[n] = self._apply(session, entries[n], decoded[n])
            except TRANSIENT:
                raise
            except Exception as exc:
                results[n] = exc
                repository.release_event(session, entries[n].id)  # not applied after all
        repository.set_outcomes(
            session, {entries[n].id: r for n in todo if isinstance(r := results[n], str)}
        )
        return [r if r is not None else "ignored" for r in results]

    def _apply(self, session: Session, entry: BusEntry, record: dict[str, Any]) -> str:
        """One decoded entry by its handler."""
        try:
            return self.handlers[entry.type](session, entry, record)
        except Conflict as exc:  # racing writers kept winning: not the entry's fault
            raise RetryLater(str(exc)) from None
        except KeyFileError as exc:  # the operator must restore a key: poison it is not
            raise RetryLater(str(exc)) from None
        except NotFound as exc:
            # A course organization code no organization connected: another tenant's course
            # on a shared LMS. Not poison; counted in the progress line.
            log.info("event %s ignored: %s", entry.id, exc)
            return "unconnected"
        except AppError as exc:
            if exc.status >= 500:  # our state (e.g. a full status list), not the entry's
                raise RetryLater(str(exc)) from None
            raise

    def _apply_grouped(
        self,
        session: Session,
        entries: list[BusEntry],
        decoded: dict[int, dict[str, Any]],
        todo: list[int],
        results: list[str | Exception | None],
    ) -> set[int]:
        """Certificate awards and revocations of connected runs, applied together in rounds
        (``certificate_batch``); returns the entries applied. A round that has to be undone
        leaves its entries and the later rounds' to be applied one at a time."""
        applied: set[int] = set()
        if not self.grouped:
            return applied
        rounds, runs = self._rounds(session, entries, decoded, todo)
        named: dict[tuple[int, str], bool] = {}  # whether programs name a course
        for words in rounds:
            outcomes = self._apply_round(session, [word for _, word in words], runs)
            if outcomes is None:
                break
            for (n, _), outcome in zip(words, outcomes, strict=True):
                results[n] = outcome.status
                applied.add(n)
            certificate_batch.after_awards(self.openedx, session, outcomes, named)
        return applied

    def _apply_round(
        self, session: Session, words: list[CertificateWord], runs: Runs
    ) -> list[certificate_batch.WordOutcome] | None:
        """One round in a savepoint; None when it has to go one entry at a time. A unique
        constraint lost to a parallel consumer (both created the same learner) is tried again
        once or twice: the winner has committed by then, so the round now reads its rows."""
        for attempt in range(1, ROUND_ATTEMPTS + 1):
            try:
                with session.begin_nested():
                    return certificate_batch.apply_words(self.openedx, session, words, runs)
            except TRANSIENT:
                raise
            except IntegrityError as exc:
                session.expire_all()  # nothing read before the undone savepoint is trusted
                if attempt == ROUND_ATTEMPTS:
                    log.info("certificate words applied one entry at a time: %r", exc.orig)
            except Exception as exc:  # a refused item: one at a time answers each
                session.expire_all()
                log.info("certificate words applied one entry at a time: %r", exc)
                return None
        return None

    def _rounds(
        self,
        session: Session,
        entries: list[BusEntry],
        decoded: dict[int, dict[str, Any]],
        todo: list[int],
    ) -> tuple[list[list[tuple[int, CertificateWord]]], Runs]:
        """The certificate words the grouped path takes, in rounds: an entry comes in a later
        round than every earlier entry about the same learner (in any run), so each learner's
        words apply in stream order. Left to one at a time: entries of runs no organization
        connected, and every entry about a learner that a grade or passing-status entry of
        the batch is about too (their order would matter), with the entries linked to it."""
        words: dict[int, CertificateWord] = {}
        subjects: dict[int, set[str]] = {}
        others: set[str] = set()
        for n in todo:
            try:
                # The learner, whatever the run: a learner's words in two runs interact
                # through programs (evaluated after each award, revoked with a course).
                subjects[n] = {who for _, who in _subjects(entries[n].type, decoded[n])}
                word = self._word(entries[n], decoded[n])
            except (KeyError, TypeError, InvalidPayload):
                continue  # one at a time, where it is dead-lettered with its reason
            if word is None:
                others.update(subjects[n])
            else:
                words[n] = word
        runs = certificate_batch.course_runs(self.openedx, session, list(words.values()))
        last_round: dict[str, int] = {}
        rounds: list[list[tuple[int, CertificateWord]]] = []
        for n, word in words.items():
            if runs[word.course_key] is None:
                continue
            if subjects[n] & others:
                others.update(subjects[n])  # the learner's later words follow it there
                continue
            number = 1 + max((last_round.get(s, -1) for s in subjects[n]), default=-1)
            for s in subjects[n]:
                last_round[s] = number
            if number == len(rounds):
                rounds.append([])
            rounds[number].append((n, word))
        return rounds, runs

    def _word(self, entry: BusEntry, record: dict[str, Any]) -> CertificateWord | None:
        """The certificate word an entry says (None: not a certificate award or revocation)."""
        if entry.type not in (CERTIFICATE_CREATED, CERTIFICATE_CHANGED, CERTIFICATE_REVOKED):
            return None
        cert = CertificateData.of(record)
        if entry.type == CERTIFICATE_CHANGED:
            if cert.current_status in PASSING_STATUSES:
                return self._award_word(entry, cert)
            if cert.current_status in REVOKING_STATUSES:
                return self._revoke_word(entry, cert)
            return None
        if entry.type == CERTIFICATE_CREATED:
            return self._award_word(entry, cert)
        return self._revoke_word(entry, cert)

    def _award_word(self, entry: BusEntry, cert: CertificateData) -> CertificateWord:
        return CertificateWord(
            status=AWARDED,
            course_key=cert.course.course_key,
            username=cert.user.username,
            lms_user_id=cert.user.id,
            lms_time=as_utc(entry.time),
            name=cert.user.name or cert.name or None,
            email=cert.user.email or None,
            mode=cert.mode or None,
            title=cert.course.display_name or None,
            event_id=entry.id,
            actor=self.actor,
        )

    def _revoke_word(self, entry: BusEntry, cert: CertificateData) -> CertificateWord:
        return CertificateWord(
            status=REVOKED,
            course_key=cert.course.course_key,
            username=cert.user.username,
            lms_user_id=cert.user.id,
            lms_time=as_utc(entry.time),
            mode=cert.mode or None,
            event_id=entry.id,
            actor=self.actor,
            reason=f"revoked by the LMS (Open edX certificate {cert.current_status or 'revoked'})",
        )

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
        word = self._award_word(entry, cert)
        outcome = self.openedx.award_course_certificate(
            session,
            word.course_key,
            word.username,
            word.lms_user_id,
            word.name,
            word.email,
            word.mode,
            lms_time=word.lms_time,
            title=word.title,
            event_id=word.event_id,
            actor=word.actor,
        )
        return str(outcome.status)

    def _revoke(self, session: Session, entry: BusEntry, cert: CertificateData) -> str:
        word = self._revoke_word(entry, cert)
        outcome = self.openedx.revoke_course_certificate(
            session,
            word.course_key,
            word.username,
            word.lms_user_id,
            lms_time=word.lms_time,
            mode=word.mode,
            reason=word.reason,
            event_id=word.event_id,
            actor=word.actor,
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


def _subjects(event_type: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """Who and what an entry is about: (run, "id:<LMS user id>") and (run, "u:<username>")."""
    if event_type in (CERTIFICATE_CREATED, CERTIFICATE_CHANGED, CERTIFICATE_REVOKED):
        data = record["certificate"]
        user, run = data["user"], data["course"]["course_key"]
    elif event_type == PASSING_STATUS_UPDATED:
        data = record["course_passing_status"]
        user, run = data["user"], data["course"]["course_key"]
    elif event_type == GRADE_SUMMARY_CHANGED:
        data = record["grade"]
        return [(data["course"]["course_key"], f"id:{data['user_id']}")]
    else:
        return []
    username = ((user.get("pii") or {}).get("username") or "").strip()
    return [(run, f"id:{user['id']}")] + ([(run, f"u:{username}")] if username else [])
