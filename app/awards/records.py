"""Learner records: what a learner has earned, their progress per program, and the registrar's
CSV export of an organization's awards."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.awards import repository
from app.awards.programs import earned_courses, progress_of
from app.awards.schemas import (
    AuditOut,
    AwardKind,
    ElectiveProgress,
    LearnerCredential,
    LearnerGrade,
    LearnerProgram,
    RuleProgress,
)
from app.catalog import repository as catalog
from app.db import as_utc
from app.issuers.identity import IssuerIdentity
from app.models import AuditEvent, Course, IssuedCredential, Learner
from app.models.enums import CredentialKind

EXPORT_COLUMNS = (
    "learner_id",
    "learner_name",
    "learner_email",
    "kind",
    "course_run",
    "course",
    "program",
    "title",
    "credential_id",
    "credential_url",
    "status",
    "status_reason",
    "awarded_date",
    "issued_at",
    "grade",
    "letter_grade",
    "band",
)
#: Spreadsheets run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class RecordsService:
    def __init__(self, identity: IssuerIdentity) -> None:
        self.identity = identity

    def _item(
        self,
        record: IssuedCredential,
        *,
        kind: AwardKind,
        title: str,
        course_run: str | None = None,
        course: str | None = None,
        program: str | None = None,
        grade: float | None = None,
        band: str | None = None,
    ) -> LearnerCredential:
        return LearnerCredential(
            id=record.credential_id,
            uuid=record.uuid,
            status=record.status,
            status_reason=record.status_reason,
            awarded_date=record.awarded_date,
            issued_at=as_utc(record.issued_at),
            public_from=as_utc(record.public_from) if record.public_from else None,
            url=self.identity.credential_url(record.uuid),
            kind=kind,
            title=title,
            course_run=course_run,
            course=course,
            program=program,
            grade=grade,
            band=band,
        )

    def credentials(self, session: Session, learner: Learner) -> list[LearnerCredential]:
        """Course and program credentials (the current one of each award), oldest first."""
        items = [
            self._item(
                record,
                kind=CredentialKind.COURSE,
                course_run=course.key,
                course=course.course_key,
                title=course.title,
                grade=award.percent_grade,
                band=award.band,
            )
            for award, course, record in repository.course_awards_of(session, learner.id)
        ]
        items += [
            self._item(
                record, kind=CredentialKind.PROGRAM, program=program.slug, title=program.title
            )
            for _, program, record in repository.program_awards_of(session, learner.id)
        ]
        return items

    def grades(self, session: Session, learner: Learner) -> list[LearnerGrade]:
        awarded = {a.course_id for a, _, _ in repository.course_awards_of(session, learner.id)}

        def when(value: datetime | None) -> datetime | None:
            return as_utc(value) if value else None

        return [
            LearnerGrade(
                course_run=course.key,
                course=course.course_key,
                percent_grade=grade.percent_grade,
                letter_grade=grade.letter_grade,
                mode=grade.mode,
                graded_at=when(grade.graded_at),
                completed=grade.completed,
                completed_at=when(grade.completed_at),
                awarded=course.id in awarded,
            )
            for grade, course in repository.grades_of(session, learner.id)
        ]

    def programs(
        self, session: Session, learner: Learner, include_all: bool = False
    ) -> list[LearnerProgram]:
        """Each program the learner has started or earned (every program with include_all)."""
        rows = repository.course_awards_of(session, learner.id)
        earned = earned_courses(rows)
        awarded = {
            program.id: self._item(
                record, kind=CredentialKind.PROGRAM, program=program.slug, title=program.title
            )
            for _, program, record in repository.program_awards_of(session, learner.id)
        }
        out = []
        for program in catalog.all_programs(session, learner.org_id):
            progress = progress_of(program, earned)
            credential = awarded.get(program.id)
            if not (include_all or progress.earned or credential):
                continue
            out.append(
                LearnerProgram(
                    program=program.slug,
                    title=program.title,
                    program_type=program.program_type,
                    completed=progress.met,
                    earned=progress.earned,
                    remaining=progress.remaining,
                    rules=RuleProgress(
                        required=progress.required_earned + progress.required_remaining,
                        required_earned=progress.required_earned,
                        required_remaining=progress.required_remaining,
                        electives=[
                            ElectiveProgress(
                                choose=g.choose,
                                courses=list(g.courses),
                                earned=g.earned,
                                needed=g.needed,
                            )
                            for g in progress.groups
                        ],
                    ),
                    credential=credential,
                )
            )
        return out

    def export_csv(self, engine: Engine, org_id: int) -> Iterator[str]:
        """CSV text in chunks, read with its own session (it outlives the request's)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def drain() -> str:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        writer.writerow(EXPORT_COLUMNS)
        yield drain()
        with Session(engine) as session:
            for award, course, learner, record in repository.iterate_chunks(
                lambda after, n: repository.export_course_rows(session, org_id, after, n)
            ):
                writer.writerow(
                    _cell(v)
                    for v in (
                        learner.lms_id, learner.name, learner.email, "course", course.key,
                        course.course_key, "", course.title, record.credential_id,
                        self.identity.credential_url(record.uuid), record.status,
                        record.status_reason, record.awarded_date,
                        as_utc(record.issued_at).isoformat(), award.percent_grade,
                        award.letter_grade, award.band,
                    )
                )  # fmt: skip
                if buffer.tell() > 64_000:
                    yield drain()
            for _, program, learner, record in repository.iterate_chunks(
                lambda after, n: repository.export_program_rows(session, org_id, after, n)
            ):
                writer.writerow(
                    _cell(v)
                    for v in (
                        learner.lms_id, learner.name, learner.email, "program", "", "",
                        program.slug, program.title, record.credential_id,
                        self.identity.credential_url(record.uuid), record.status,
                        record.status_reason, record.awarded_date,
                        as_utc(record.issued_at).isoformat(), "", "", "",
                    )
                )  # fmt: skip
                if buffer.tell() > 64_000:
                    yield drain()
        yield drain()

    @staticmethod
    def course_of(session: Session, credential: IssuedCredential) -> Course | None:
        """The course run a course credential was awarded for (None for anything else)."""
        if credential.kind != CredentialKind.COURSE:
            return None
        award = repository.course_award_by_credential(session, credential.uuid)
        if award is None:
            return None
        return catalog.courses_by_ids(session, {award.course_id}).get(award.course_id)

    @staticmethod
    def audit_page(
        session: Session,
        org_id: int,
        limit: int,
        offset: int,
        learner: str | None = None,
        action: str | None = None,
    ) -> tuple[list[AuditEvent], int]:
        """One page of the organization's audit trail, newest first, and the total."""
        return repository.audit_page(session, org_id, limit, offset, learner, action)

    @staticmethod
    def audit_out(event: AuditEvent) -> AuditOut:
        return AuditOut(
            at=as_utc(event.at),
            actor=event.actor,
            action=event.action,
            kind=event.kind,
            learner=event.learner_lms_id,
            course_run=event.course_run,
            program=event.program_slug,
            credential_uuid=event.credential_uuid,
            event_id=event.event_id,
            reason=event.reason,
        )
