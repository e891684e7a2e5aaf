"""The openedx/credentials ``api/v2`` (and ``learner_cert_status``) as the LMS calls it:
requests in, the original's response shapes out. The decisions are ``OpenEdxService``'s.

Left out of the original API: ``GET/PUT/PATCH/DELETE /api/v2/credentials/{uuid}/``,
``PATCH /api/v2/grades/{id}/``, ``POST /api/v2/replace_usernames/`` and
``bulk_learner_cert_status``; the LMS's award and revocation tasks do not use them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.awards import repository as awards
from app.catalog import repository as catalog
from app.catalog.rules import ProgramRules
from app.catalog.schemas import CourseUpdate
from app.catalog.service import CatalogService
from app.db import as_utc
from app.errors import AppError, Forbidden, InvalidInput, NotFound
from app.http.rate_limit import Limiter, Rate, RateLimited
from app.integrations.openedx import repository, wire
from app.integrations.openedx.jwt_auth import LmsCaller, LmsJwtVerifier
from app.integrations.openedx.lms_users import LmsUser, LmsUserApi
from app.integrations.openedx.service import OpenEdxService
from app.issuers.identity import IssuerIdentity
from app.models import OpenEdxCertificate, OpenEdxUser, Organization

#: DRF PageNumberPagination's PAGE_SIZE in the credentials service.
PAGE_SIZE = 20
#: Stable ids the original has and Laurel does not store: derived from the keys.
_NAMESPACE = uuid.UUID("6c1f4a8e-2f0b-5d3c-9a57-0e5b1f7d2c11")


class NotFoundPage(AppError):
    """DRF's answer to a page past the end (the LMS stops at ``next: null`` first)."""

    status = 404
    code = "not-found"
    title = "Invalid page."


class Throttle:
    """Rates as the credentials service sets them (``CredentialRateThrottle``): learners 15 a
    minute on credentials and 90 on grades; LMS staff (the service user) unthrottled unless
    ``service`` is set. Over the rate: 429 with ``Retry-After`` (the LMS's task retries)."""

    def __init__(
        self,
        limiter: Limiter,
        credentials: Rate | None = None,
        grades: Rate | None = None,
        service: Rate | None = None,
    ) -> None:
        self.limiter = limiter
        self.credentials = credentials or Rate(15, 60.0)
        self.grades = grades or Rate(90, 60.0)
        self.service = service

    def admit(self, caller: LmsCaller, scope: str) -> None:
        rate = self.service if caller.administrator else getattr(self, scope)
        if rate is None:
            return
        who = "|".join([caller.claims.get("iss", ""), caller.username]).encode()
        key = f"openedx:{scope}:{hashlib.sha256(who).hexdigest()[:32]}"
        wait = self.limiter.take(key, rate)
        if wait:
            raise RateLimited(
                f"Request was throttled. Expected available in {int(wait) + 1} seconds.", wait
            )


def stable_uuid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def drf_time(value: datetime | None) -> str | None:
    """Datetimes as DRF renders them (ISO 8601, ``Z`` for UTC)."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def _date_z(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialsApi:
    def __init__(
        self,
        openedx: OpenEdxService,
        catalog_service: CatalogService,
        identity: IssuerIdentity,
        verifier: LmsJwtVerifier,
        throttle: Throttle,
        users: LmsUserApi | None = None,
    ) -> None:
        self.users = users or LmsUserApi()
        self.openedx = openedx
        self.catalog = catalog_service
        self.identity = identity
        self.verifier = verifier
        self.throttle = throttle

    def caller(self, session: Session, authorization: str | None, scope: str) -> LmsCaller:
        """The verified LMS caller (401 otherwise), within its rate (429 otherwise)."""
        found = self.verifier.caller(session, authorization)
        self.throttle.admit(found, scope)
        return found

    # -- POST /api/v2/credentials/ ------------------------------------------------------------

    def post_credential(
        self, session: Session, caller: LmsCaller, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Award or revoke (an upsert); answers the stored credential as the original does."""
        caller.require_writer()
        wanted = wire.credential_in(data)
        writable = caller.writer_of
        if wanted.program_uuid is not None:
            org, program = self.openedx.program_for_uuid(session, writable, wanted.program_uuid)
            args: dict[str, Any] = {"actor": caller.actor}
            if wanted.status == "revoked":
                outcome = self.openedx.revoke_program_certificate(
                    session, org, program, wanted.username, wanted.lms_user_id, **args
                )
            else:
                outcome = self.openedx.award_program_certificate(
                    session, org, program, wanted.username, wanted.lms_user_id,
                    date_override=wanted.date_override, visible_date=wanted.visible_date, **args,
                )  # fmt: skip
        else:
            assert wanted.course_run_key is not None
            org = self._writable_org(
                session, caller, wanted.course_run_key, NotFound(
                    f"No active CourseCertificate exists for course run [{wanted.course_run_key}]",
                    field="course_run_key",
                ),
            )  # fmt: skip
            course = catalog.course_by_key(session, org.id, wanted.course_run_key.strip())
            if (
                wanted.status == "awarded"
                and course is not None
                and not course.certificates_enabled
            ):
                raise InvalidInput(
                    f"No active CourseCertificate exists for course run [{course.key}]",
                    field="course_run_key",
                )
            if wanted.status == "revoked":
                outcome = self.openedx.revoke_course_certificate(
                    session, wanted.course_run_key, wanted.username, wanted.lms_user_id,
                    mode=wanted.mode, actor=caller.actor,
                )  # fmt: skip
            else:
                found = self._lms_user(session, org, wanted.username)
                outcome = self.openedx.award_course_certificate(
                    session, wanted.course_run_key, wanted.username, wanted.lms_user_id,
                    found.name if found else None, found.email if found else None,
                    wanted.mode, wanted.visible_date,
                    date_override=wanted.date_override, actor=caller.actor,
                )  # fmt: skip
        return self._credential_out(session, outcome.certificate, wanted.username)

    def _writable_org(
        self, session: Session, caller: LmsCaller, course_key: str, refusal: AppError
    ) -> Organization:
        """The organization of ``course_key`` when the caller writes to it, else ``refusal``:
        one answer whether the key's course organization code is not connected or connected
        to another tenant, so that no tenant learns which codes others have connected."""
        try:
            org = self.openedx.org_for_course_key(session, course_key)
        except NotFound:
            raise refusal from None
        if org.id not in caller.writer_of:
            raise refusal
        return org

    def _lms_user(self, session: Session, org: Organization, username: str) -> LmsUser | None:
        """Name and e-mail of a learner Laurel has no name for, from the LMS user API when
        the organization configured it; None on any failure (the award goes ahead)."""
        known = self.openedx.learner_named(session, org, username)
        if known is not None and known.name:
            return None
        connection = repository.connection_of_org(session, org.id)
        if connection is None or not self.users.configured(connection):
            return None
        return self.users.user(connection, username)

    # -- GET /api/v2/credentials/ -------------------------------------------------------------

    def list_credentials(
        self, session: Session, caller: LmsCaller, params: dict[str, str], url: str
    ) -> dict[str, Any]:
        """DRF page-number pagination (``count, next, previous, results``; 20 a page)."""
        username = params.get("username") or None
        if not caller.may_read_user(username):
            raise Forbidden("You do not have permission to perform this action.", field="username")
        status = params.get("status") or None
        if status is not None and status not in ("awarded", "revoked"):
            raise InvalidInput('"status" must be "awarded" or "revoked"', field="status")
        type_ = params.get("type") or None
        if type_ not in (None, "program", "course-run"):
            type_ = None  # the original ignores an unknown type
        page = _page_number(params.get("page"))
        org_ids = caller.org_ids
        learner_ids = (
            repository.learners_named(session, org_ids, username) if username is not None else None
        )
        program_uuid = params.get("program_uuid") or None
        runs = self._runs_of_program(session, org_ids, program_uuid) if program_uuid else None
        rows, total = repository.certificates_page(
            session,
            org_ids,
            learner_ids=learner_ids,
            status=status,
            type_=type_,
            program_uuid=program_uuid,
            program_runs=runs,
            visible_at=datetime.now(UTC)
            if wire.boolean(params.get("only_visible"), "only_visible")
            else None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        if page > 1 and not rows:
            raise NotFoundPage("Invalid page.", field="page")
        return {
            "count": total,
            "next": _page_url(url, params, page + 1) if page * PAGE_SIZE < total else None,
            "previous": _page_url(url, params, page - 1) if page > 1 else None,
            "results": [self._row_out(session, cert, user) for cert, user in rows],
        }

    @staticmethod
    def _runs_of_program(session: Session, org_ids: list[int], program_uuid: str) -> list[str]:
        """The course runs of the program's courses (the original's program_uuid filter lists
        their course certificates too)."""
        runs: list[str] = []
        for org_id in org_ids:
            program = catalog.program_by_external_id(session, org_id, program_uuid)
            if program is None:
                continue
            courses = set(ProgramRules.from_json(program.rules).courses())
            runs += repository.run_keys_of_courses(session, org_id, courses)
        return runs

    # -- POST /api/v2/grades/ -----------------------------------------------------------------

    def post_grade(
        self, session: Session, caller: LmsCaller, data: dict[str, Any]
    ) -> dict[str, Any]:
        caller.require_writer()
        grade = wire.grade_in(data)
        self._writable_org(
            session, caller, grade.course_run,
            NotFound(f"No CourseRun exists for key [{grade.course_run}]", field="course_run"),
        )  # fmt: skip
        outcome = self.openedx.record_grade(
            session, grade.course_run, grade.username, None, grade.percent_grade,
            grade.letter_grade, grade.lms_last_updated_at,
            mode="verified" if grade.verified else None,
        )  # fmt: skip
        stored = awards.grade_for(session, outcome.learner.id, outcome.course.id)
        assert stored is not None
        return {
            "id": stored.id,
            "username": grade.username,
            "course_run": outcome.course.key,
            "letter_grade": stored.letter_grade or "",
            "percent_grade": f"{stored.percent_grade or 0:.4f}",
            "verified": stored.mode == "verified",
            "lms_last_updated_at": drf_time(stored.graded_at),
            "created": drf_time(stored.updated_at),
            "modified": drf_time(stored.updated_at),
        }

    # -- POST /api/v2/course_certificates/ ----------------------------------------------------

    def post_course_certificate(
        self, session: Session, caller: LmsCaller, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The run's certificate settings: its certificate available date (credentials of the
        run are not public before it) and whether certificates are on."""
        caller.require_writer()
        wanted = wire.course_certificate_in(data)
        org = self._writable_org(
            session, caller, wanted.course_id,
            NotFound(f'no course run "{wanted.course_id}"', field="course_id"),
        )  # fmt: skip
        _, course = self.openedx.course_run_for(session, wanted.course_id)
        changes: dict[str, Any] = {
            "certificate_available_date": wanted.certificate_available_date,
            "certificates_enabled": wanted.is_active,
        }
        if wanted.certificate_type:
            modes = list(course.certificate_modes)
            if wanted.certificate_type not in modes:
                changes["certificate_modes"] = [*modes, wanted.certificate_type]
        self.catalog.update_course(session, org, course.key, CourseUpdate.model_validate(changes))
        return {
            "id": course.id,
            "site": org.slug,
            "course_id": course.key,
            "course_run": course.key,
            "certificate_type": wanted.certificate_type,
            "certificate_available_date": drf_time(wanted.certificate_available_date),
            "is_active": wanted.is_active,
        }

    # -- POST /api/credentials/v1/learner_cert_status/ ----------------------------------------

    def learner_cert_status(
        self, session: Session, caller: LmsCaller, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A learner's course certificates among ``course_runs`` (keys) and ``courses``
        (course uuids: Laurel derives them from the course key)."""
        if not caller.administrator:
            raise Forbidden("You do not have permission to perform this action.")
        username = wire.text(data, "username", limit=150)
        lms_user_id = wire.text(data, "lms_user_id", limit=64)
        if (username is None) == (lms_user_id is None):
            raise InvalidInput('give exactly one of "username" and "lms_user_id"', field="username")
        runs = _strings(data.get("course_runs"), "course_runs")
        courses = _strings(data.get("courses"), "courses")
        if not runs and not courses:
            raise InvalidInput('give "course_runs" or "courses"', field="course_runs")
        found: list[dict[str, Any]] = []
        for org_id in caller.org_ids:
            user = (
                repository.user_by_username(session, org_id, username)
                if username is not None
                else repository.user_by_lms_user_id(session, org_id, lms_user_id or "")
            )
            if user is None:
                continue
            username = username or user.username
            lms_user_id = lms_user_id or user.lms_user_id
            for cert, course, grade in repository.course_certificates_of(session, user.learner_id):
                course_uuid = stable_uuid("course", course.course_key)
                if course.key not in runs and course_uuid not in courses:
                    continue
                found.append(
                    {
                        "course_uuid": course_uuid,
                        "course_run": {"uuid": stable_uuid("run", course.key), "key": course.key},
                        "status": cert.status,
                        "type": cert.mode,
                        "certificate_available_date": drf_time(course.certificate_available_date),
                        "grade": None
                        if grade is None
                        else {
                            "letter_grade": grade.letter_grade or "",
                            "percent_grade": grade.percent_grade,
                            "verified": grade.mode == "verified",
                        },
                    }
                )
        uid = int(lms_user_id) if lms_user_id and lms_user_id.isdigit() else lms_user_id
        return {"lms_user_id": uid, "username": username, "status": found}

    # -- shapes -------------------------------------------------------------------------------

    def _row_out(
        self, session: Session, cert: OpenEdxCertificate, user: OpenEdxUser | None
    ) -> dict[str, Any]:
        return self._credential_out(session, cert, user.username if user else "")

    def _credential_out(
        self, session: Session, cert: OpenEdxCertificate, username: str
    ) -> dict[str, Any]:
        """UserCredentialSerializer's shape."""
        if cert.type == "program":
            program = catalog.program_by_external_id(session, cert.org_id, cert.program_uuid or "")
            credential: dict[str, Any] = {
                "type": "program",
                "credential_id": program.id if program else None,
                "program_uuid": cert.program_uuid,
            }
        else:
            credential = {
                "type": "course-run",
                "course_run_key": cert.course_run_key,
                "mode": cert.mode,
            }
        attributes = (
            [{"name": "visible_date", "value": _date_z(cert.visible_date)}]
            if cert.visible_date is not None
            else []
        )
        return {
            "username": username,
            "credential": credential,
            "status": cert.status,
            "uuid": cert.uuid,
            "attributes": attributes,
            "date_override": {"date": _date_z(cert.date_override)} if cert.date_override else None,
            "created": drf_time(cert.created_at),
            "modified": drf_time(cert.modified_at),
            "certificate_url": self.identity.credential_url(cert.credential_uuid)
            if cert.credential_uuid
            else None,
        }


def _page_number(value: str | None) -> int:
    if value in (None, ""):
        return 1
    if value == "last":
        raise InvalidInput('"page" must be a number', field="page")
    try:
        number = int(value)
    except ValueError:
        raise NotFoundPage("Invalid page.", field="page") from None
    if number < 1 or number > 1_000_000:
        raise NotFoundPage("Invalid page.", field="page")
    return number


def _page_url(url: str, params: dict[str, str], page: int) -> str:
    query = {k: v for k, v in params.items() if k != "page"}
    if page > 1:
        query["page"] = str(page)
    return f"{url}?{urlencode(query)}" if query else url


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or len(value) > 1000
        or not all(isinstance(v, str) for v in value)
    ):
        raise InvalidInput(f'"{name}" must be a list of strings', field=name)
    return list(value)
