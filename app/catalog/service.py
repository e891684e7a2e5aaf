"""The LMS catalog of one organization: course runs, programs, learners.

Every lookup is scoped to the caller's organization, so another organization's object is
indistinguishable from a missing one (404). The caller (request, CLI command) commits;
a create that loses a race on a unique key is a 409 that undoes only its own savepoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from app.catalog import repository
from app.catalog.achievements import (
    course_achievement_id,
    program_achievement_id,
    program_achievement_type,
)
from app.catalog.rules import ProgramRules
from app.catalog.schemas import (
    CourseCreate,
    CoursePublic,
    CourseUpdate,
    ElectiveGroup,
    LearnerCreate,
    LearnerPublic,
    LearnerUpdate,
    ProgramCreate,
    ProgramPublic,
    ProgramUpdate,
    check_program_courses,
)
from app.db import unique_or, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.issuers.identity import IssuerIdentity
from app.models import Course, Learner, Organization, Program
from app.models.fields import course_of_run


class AwardLedger(Protocol):
    """What the catalog asks of the awards made from it. The awards sit above the catalog, so
    the container hands their repository in (``app.awards.repository`` fits)."""

    def course_has_awards(self, session: Session, course_id: int) -> bool: ...

    def program_has_awards(self, session: Session, program_id: int) -> bool: ...

    def set_public_from_for_course(
        self, session: Session, course_id: int, value: datetime | None
    ) -> None: ...


class CatalogService:
    def __init__(self, identity: IssuerIdentity, awards: AwardLedger) -> None:
        self.identity = identity
        self.awards = awards

    # -- listings -----------------------------------------------------------------------------

    @staticmethod
    def courses_page(
        session: Session, org_id: int, limit: int, offset: int, course: str | None = None
    ) -> tuple[list[Course], int]:
        return repository.courses_page(session, org_id, limit, offset, course)

    @staticmethod
    def programs_page(
        session: Session, org_id: int, limit: int, offset: int
    ) -> tuple[list[Program], int]:
        return repository.programs_page(session, org_id, limit, offset)

    @staticmethod
    def learners_page(
        session: Session, org_id: int, limit: int, offset: int
    ) -> tuple[list[Learner], int]:
        return repository.learners_page(session, org_id, limit, offset)

    @staticmethod
    def learner_or_none(session: Session, org_id: int, lms_id: str) -> Learner | None:
        return repository.learner_by_lms_id(session, org_id, lms_id)

    # -- course runs --------------------------------------------------------------------------

    def get_course(self, session: Session, org: Organization, key: str) -> Course:
        course = repository.course_by_key(session, org.id, key)
        if course is None:
            raise NotFound(f'no course run "{key}"', field="key")
        return course

    def create_course(self, session: Session, org: Organization, data: CourseCreate) -> Course:
        if repository.course_by_key(session, org.id, data.key) is not None:
            raise Conflict(f'course run "{data.key}" already exists', field="key")
        values = data.model_dump(mode="python", exclude={"course"})
        course_key = data.course or course_of_run(data.key)  # set by CourseCreate's validator
        course = Course(org_id=org.id, course_key=course_key, **values)
        with unique_or(session, Conflict(f'course run "{data.key}" already exists', field="key")):
            session.add(course)
        return course

    def update_course(
        self, session: Session, org: Organization, key: str, data: CourseUpdate
    ) -> Course:
        course = self.get_course(session, org, key)
        changes = data.model_dump(mode="python", exclude_unset=True)
        for name, value in changes.items():
            setattr(course, name, value)
        course.updated_at = utcnow()
        session.add(course)
        if "certificate_available_date" in changes:
            session.flush()
            self.awards.set_public_from_for_course(
                session,
                course.id,
                changes["certificate_available_date"],
            )
        session.flush()
        return course

    def delete_course(self, session: Session, org: Organization, key: str) -> None:
        course = self.get_course(session, org, key)
        if self.awards.course_has_awards(session, course.id):
            raise Conflict(
                f'course run "{key}" has awarded credentials and cannot be deleted '
                "(set certificates_enabled to false to stop new awards)",
                field="key",
            )
        repository.delete_course(session, course)
        session.flush()

    def course_out(self, org: Organization, course: Course) -> CoursePublic:
        return CoursePublic.model_validate(
            course,
            update={
                "course": course.course_key,
                "achievement_id": course_achievement_id(
                    self.identity.base_url, org.slug, course.key
                ),
            },
        )

    # -- programs -----------------------------------------------------------------------------

    def get_program(self, session: Session, org: Organization, slug: str) -> Program:
        program = repository.program_by_slug(session, org.id, slug)
        if program is None:
            raise NotFound(f'no program "{slug}"', field="slug")
        return program

    def create_program(self, session: Session, org: Organization, data: ProgramCreate) -> Program:
        if repository.program_by_slug(session, org.id, data.slug) is not None:
            raise Conflict(f'program "{data.slug}" already exists', field="slug")
        self._external_id_free(session, org, data.external_id, None)
        values = data.model_dump(mode="python", exclude={"required_courses", "electives"})
        rules = self._rules(data.required_courses, [g.model_dump() for g in data.electives])
        program = Program(org_id=org.id, rules=rules.to_json(), **values)
        with unique_or(session, Conflict(f'program "{data.slug}" already exists', field="slug")):
            session.add(program)
            session.flush()
            repository.set_program_courses(session, program, rules.courses())
        return program

    def update_program(
        self, session: Session, org: Organization, slug: str, data: ProgramUpdate
    ) -> Program:
        program = self.get_program(session, org, slug)
        changes = data.model_dump(mode="python", exclude_unset=True)
        self._external_id_free(session, org, changes.get("external_id"), program.id)
        required = changes.pop("required_courses", None)
        electives = changes.pop("electives", None)
        for name, value in changes.items():
            setattr(program, name, value)
        if required is not None or electives is not None:
            current = ProgramRules.from_json(program.rules)
            rules = self._rules(
                list(current.required) if required is None else required,
                [{"choose": g.choose, "courses": list(g.courses)} for g in current.electives]
                if electives is None
                else electives,
            )
            program.rules = rules.to_json()
            repository.set_program_courses(session, program, rules.courses())
        program.updated_at = utcnow()
        session.add(program)
        session.flush()
        return program

    def delete_program(self, session: Session, org: Organization, slug: str) -> None:
        program = self.get_program(session, org, slug)
        if self.awards.program_has_awards(session, program.id):
            raise Conflict(
                f'program "{slug}" has awarded credentials and cannot be deleted', field="slug"
            )
        repository.delete_program(session, program)
        session.flush()

    def program_out(self, org: Organization, program: Program) -> ProgramPublic:
        rules = ProgramRules.from_json(program.rules)
        return ProgramPublic.model_validate(
            program,
            update={
                "achievement_type": program_achievement_type(program),
                "required_courses": list(rules.required),
                "electives": rules.to_json()["electives"],
                "achievement_id": program_achievement_id(
                    self.identity.base_url, org.slug, program.slug
                ),
            },
        )

    @staticmethod
    def _external_id_free(
        session: Session, org: Organization, external_id: str | None, program_id: int | None
    ) -> None:
        if external_id is None:
            return
        other = repository.program_by_external_id(session, org.id, external_id)
        if other is not None and other.id != program_id:
            raise Conflict(
                f'program "{other.slug}" already has the external id "{external_id}"',
                field="external_id",
            )

    @staticmethod
    def _rules(required: list[str], electives: list[dict[str, Any]]) -> ProgramRules:
        groups = [ElectiveGroup.model_validate(g) for g in electives]
        try:
            check_program_courses(required, groups)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="required_courses") from None
        return ProgramRules.from_json(
            {"required": required, "electives": [g.model_dump() for g in groups]}
        )

    # -- learners -----------------------------------------------------------------------------

    def get_learner(self, session: Session, org: Organization, lms_id: str) -> Learner:
        learner = repository.learner_by_lms_id(session, org.id, lms_id)
        if learner is None:
            raise NotFound(f'no learner "{lms_id}"', field="id")
        return learner

    def create_learner(self, session: Session, org: Organization, data: LearnerCreate) -> Learner:
        if repository.learner_by_lms_id(session, org.id, data.id) is not None:
            raise Conflict(f'learner "{data.id}" already exists', field="id")
        now = utcnow()
        learner = Learner(
            org_id=org.id,
            lms_id=data.id,
            name=data.name,
            email=data.email,
            holder_did=data.holder_did,
            info_timestamp=now,
        )
        with unique_or(session, Conflict(f'learner "{data.id}" already exists', field="id")):
            session.add(learner)
        return learner

    def update_learner(
        self, session: Session, org: Organization, lms_id: str, data: LearnerUpdate
    ) -> Learner:
        """A name change applies to credentials issued (or re-issued) afterwards."""
        learner = self.get_learner(session, org, lms_id)
        for name, value in data.model_dump(mode="python", exclude_unset=True).items():
            setattr(learner, name, value)
        learner.updated_at = learner.info_timestamp = utcnow()
        session.add(learner)
        session.flush()
        return learner

    @staticmethod
    def learner_out(learner: Learner) -> LearnerPublic:
        return LearnerPublic.model_validate(learner, update={"id": learner.lms_id})
