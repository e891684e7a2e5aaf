"""Learner records: share links the LMS makes for a learner, and what a record shows.

A record lists every credential of the learner that is public (past the course's certificate
available date, not replaced by a newer issue), each with its status now: valid, suspended,
revoked or expired (a learner whose only credential is suspended must see it, and why, rather
than an empty record). Program progress counts only the ones that stand (valid or expired);
for every program that names a course they earned, how many of its courses they have.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.awards import repository as awards
from app.awards.clr import ClrBuilder, record_contents
from app.catalog import repository as catalog
from app.catalog.rules import ProgramRules, evaluate
from app.db import as_utc, utcnow
from app.errors import NotFound
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.models import IssuedCredential, Learner, Organization, RecordShare
from app.models.enums import CredentialStatus
from app.sharing import repository


@dataclass(frozen=True)
class EarnedCredential:
    title: str
    kind: str  # "course" | "program"
    awarded_at: datetime
    url: str
    uuid: str
    detail: str | None = None  # e.g. the grade band or the program type
    #: "active", "suspended", "revoked" or "expired" (valid_until passed), as of the request.
    status: str = CredentialStatus.ACTIVE
    #: The signed document, for the record's JSON download.
    document: str = ""


@dataclass(frozen=True)
class ProgramCourseState:
    course_key: str
    title: str
    earned: bool
    url: str | None = None
    #: An elective of a group already satisfied: not needed for the program.
    optional: bool = False


@dataclass(frozen=True)
class ProgramProgress:
    title: str
    program_type: str | None
    earned: int
    needed: int
    courses: list[ProgramCourseState]
    electives_note: str | None = None
    credential_url: str | None = None  # set when the program credential was awarded
    #: (choose, of how many) per elective group, for pages that word it in their language.
    elective_groups: tuple[tuple[int, int], ...] = ()

    @property
    def percent(self) -> int:
        return 100 if self.needed == 0 else round(100 * min(self.earned, self.needed) / self.needed)

    @property
    def complete(self) -> bool:
        return self.credential_url is not None


@dataclass
class LearnerRecord:
    learner_name: str
    org: Organization
    credentials: list[EarnedCredential] = field(default_factory=list)
    programs: list[ProgramProgress] = field(default_factory=list)


def _shown(record: IssuedCredential, now: datetime) -> bool:
    """Public now, and not replaced by a newer issue of itself (that one is listed)."""
    if record.superseded_by:
        return False
    return record.public_from is None or as_utc(record.public_from) <= now


def _status(record: IssuedCredential, now: datetime) -> str:
    if record.status != CredentialStatus.ACTIVE:
        return str(record.status)
    if record.valid_until is not None and as_utc(record.valid_until) < now:
        return "expired"
    return CredentialStatus.ACTIVE


def _stands(status: str) -> bool:
    """Counts towards a program: valid, or expired (it was earned; a renewal may follow)."""
    return status in (CredentialStatus.ACTIVE, "expired")


class RecordShareService:
    def __init__(self, identity: IssuerIdentity, clr: ClrBuilder) -> None:
        self.identity = identity
        self.clr = clr

    @staticmethod
    def learner(session: Session, org_id: int, lms_id: str) -> Learner:
        """The organization's learner; another organization's is as missing as none (404)."""
        learner = catalog.learner_by_lms_id(session, org_id, lms_id)
        if learner is None:
            raise NotFound(f'no learner "{lms_id}"', field="lms_id")
        return learner

    # -- share links (the LMS, on the learner's behalf) ------------------------------------

    def create_share(
        self,
        session: Session,
        org: Organization,
        learner: Learner,
        label: str | None = None,
        client_id: str | None = None,
    ) -> RecordShare:
        share = RecordShare(
            id=secrets.token_urlsafe(16),  # 128 bits: unguessable
            org_id=org.id,
            learner_id=learner.id,
            label=label,
            created_by_client=client_id,
        )
        session.add(share)
        session.flush()
        return share

    def shares(self, session: Session, learner: Learner) -> list[RecordShare]:
        return repository.shares_of(session, learner.id)

    def revoke_share(self, session: Session, learner: Learner, share_id: str) -> RecordShare:
        """Idempotent: revoking a revoked link changes nothing."""
        share = repository.share_by_id(session, share_id)
        if share is None or share.learner_id != learner.id:
            raise NotFound(f'no record share "{share_id}" for this learner', field="share_id")
        if share.revoked_at is None:
            share.revoked_at = utcnow()
            session.add(share)
            session.flush()
        return share

    def share_url(self, share: RecordShare) -> str:
        return f"{self.identity.base_url}/records/{share.id}"

    # -- the record page ------------------------------------------------------------------

    def open_share(self, session: Session, share_id: str) -> tuple[Learner, Organization]:
        """The learner behind a live link; unknown and revoked links are the same 404."""
        share = repository.share_by_id(session, share_id)
        learner = repository.learner_by_id(session, share.learner_id) if share else None
        org = orgs.by_id(session, share.org_id) if share else None
        if share is None or share.revoked_at is not None or learner is None or org is None:
            raise NotFound(f'no learner record "{share_id}"', field="share_id")
        return learner, org

    def record_clr(self, session: Session, learner: Learner) -> dict[str, Any]:
        """The shared record as one signed CLR 2.0 credential (app/awards/clr.py): what the
        record page lists (never what the learner hid), with each credential's own proof.
        404 when it lists nothing."""
        contents = record_contents(
            session, learner, leave_out=lambda uuids: repository.hidden_among(session, uuids)
        )
        if not contents.credentials:
            raise NotFound("this record holds no credential yet", field="share_id")
        name = f"Comprehensive Learner Record of {learner.name or learner.lms_id}"
        return self.clr.build(session, learner, contents, name)

    def record(
        self,
        session: Session,
        org: Organization,
        learner: Learner,
        now: datetime | None = None,
        *,
        for_owner: bool = False,
    ) -> LearnerRecord:
        """What a record shows. Others never see what the learner hid (``/me``), not even as
        progress; ``for_owner``: the learner's own view, hidden credentials included."""
        now = now or datetime.now(UTC)
        out = LearnerRecord(repository.chosen_name(session, learner.id) or learner.name, org)
        course_awards = awards.course_awards_of(session, learner.id)
        program_awards = awards.program_awards_of(session, learner.id)
        hidden = (
            set()
            if for_owner
            else repository.hidden_among(
                session, {c.uuid for *_, c in course_awards} | {c.uuid for *_, c in program_awards}
            )
        )
        earned: dict[str, datetime] = {}
        urls: dict[str, str] = {}
        for award, course, credential in course_awards:
            if not _shown(credential, now) or credential.uuid in hidden:
                continue
            url = self.identity.credential_url(credential.uuid)
            status = _status(credential, now)
            out.credentials.append(
                EarnedCredential(
                    course.title,
                    "course",
                    as_utc(award.awarded_at),
                    url,
                    credential.uuid,
                    award.band,
                    status,
                    credential.document,
                )
            )
            if not _stands(status):
                continue
            at = as_utc(award.awarded_at)
            if award.course_key not in earned or at < earned[award.course_key]:
                earned[award.course_key] = at
                urls[award.course_key] = url
        awarded_programs: dict[int, str] = {}
        for program_award, program, credential in program_awards:
            if not _shown(credential, now) or credential.uuid in hidden:
                continue
            url = self.identity.credential_url(credential.uuid)
            status = _status(credential, now)
            if _stands(status):
                awarded_programs[program.id] = url
            out.credentials.append(
                EarnedCredential(
                    program.title,
                    "program",
                    as_utc(program_award.awarded_at),
                    url,
                    credential.uuid,
                    program.program_type,
                    status,
                    credential.document,
                )
            )
        out.credentials.sort(key=lambda c: (c.awarded_at, c.kind == "program"), reverse=True)
        out.programs = self._progress(session, org, earned, urls, awarded_programs)
        return out

    def _progress(
        self,
        session: Session,
        org: Organization,
        earned: dict[str, datetime],
        urls: dict[str, str],
        awarded: dict[int, str],
    ) -> list[ProgramProgress]:
        programs = repository.programs_naming(session, org.id, set(earned))
        keys = {k for p in programs for k in ProgramRules.from_json(p.rules).courses()}
        titles = repository.course_titles(session, org.id, keys)
        out = []
        for program in programs:
            rules = ProgramRules.from_json(program.rules)
            progress = evaluate(rules, earned)
            needed = len(rules.required) + sum(g.choose for g in rules.electives)
            have = len(progress.required_earned) + sum(
                min(len(g.earned), g.choose) for g in progress.groups
            )
            satisfied = {c for g in progress.groups if g.met for c in g.courses}
            courses = [
                ProgramCourseState(
                    k,
                    titles.get(k, k),
                    k in earned,
                    urls.get(k),
                    k in satisfied and k not in earned,
                )
                for k in rules.courses()
            ]
            note = "; ".join(
                f"any {g.choose} of the {len(g.courses)} elective courses" for g in rules.electives
            )
            out.append(
                ProgramProgress(
                    program.title,
                    program.program_type,
                    have,
                    needed,
                    courses,
                    f"Requires every required course and {note}." if note else None,
                    awarded.get(program.id),
                    tuple((g.choose, len(g.courses)) for g in rules.electives),
                )
            )
        return out
