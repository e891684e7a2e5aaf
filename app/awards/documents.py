"""Unsigned Open Badges 3.0 credentials for course and program awards.

The learner appears as OB B.1.12 IdentityObjects: the email only as a salted SHA-256
(B.7: ``sha256$hex(sha256(email + salt))``, a fresh salt per credential so credentials cannot
be linked by hash), and the display name as ``identityType: "name"`` with ``hashed: false``.
OB 3.0's AchievementSubject has no ``name`` property; IdentifierTypeEnum's "name" is the
schema-valid place for it, and share pages read it from there. The holder DID, when known, is
``credentialSubject.id``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.awards.thresholds import percent_text
from app.catalog.achievements import (
    course_achievement_id,
    program_achievement_id,
    program_achievement_type,
)
from app.catalog.rules import ProgramRules, describe
from app.core.duration import parse_duration
from app.core.vc.models import (
    Achievement,
    AchievementSubject,
    CredentialSchema,
    Criteria,
    Evidence,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
)
from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, OB_SCHEMA_TYPE
from app.db import as_utc
from app.models import Course, Learner, Program

#: Placeholder id: the issuer assigns the real ``urn:uuid:`` (and the issuer profile).
_UNSET_ID = "urn:uuid:00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class AwardFacts:
    """What the learner achieved in one course run, as recorded at award time."""

    awarded_at: datetime
    basis: str = "grade"
    percent_grade: float | None = None
    letter_grade: str | None = None
    band: str | None = None


@dataclass(frozen=True)
class CountedCourse:
    """A course credential a program credential rests on."""

    course: Course
    credential_id: str
    credential_url: str
    awarded_at: datetime


def datetime_z(value: datetime) -> str:
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_email(email: str, salt: str) -> str:
    """OB 3.0 B.7 IdentityHash; addresses are compared trimmed and lower-cased."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return f"sha256${digest}"


def subject_identifiers(learner: Learner) -> list[IdentityObject]:
    salt = secrets.token_hex(8)
    found: list[IdentityObject] = []
    if learner.email:
        found.append(IdentityObject(identityHash=hash_email(learner.email, salt), salt=salt))
    if learner.name:
        found.append(IdentityObject(hashed=False, identityHash=learner.name, identityType="name"))
    if not found and not learner.holder_did:
        # AchievementSubject needs an id or an identifier: a salted hash of the LMS id.
        digest = hashlib.sha256((learner.lms_id + salt).encode()).hexdigest()
        found.append(
            IdentityObject(identityHash=f"sha256${digest}", identityType="sourcedId", salt=salt)
        )
    return found


def _image(url: str | None) -> Image | None:
    return Image(id=url) if url else None


def valid_until(validity: str | None, valid_from: datetime) -> datetime | None:
    """The end of a validity period ("P2Y") that starts at ``valid_from``; None: no end."""
    return parse_duration(validity).after(as_utc(valid_from)) if validity else None


def _envelope(
    name: str,
    description: str,
    subject: AchievementSubject,
    valid_from: datetime,
    validity: str | None = None,
) -> OpenBadgeCredential:
    end = valid_until(validity, valid_from)
    return OpenBadgeCredential(
        id=_UNSET_ID,
        name=name,
        description=description,
        issuer=Profile(id="did:example:unset"),  # replaced by the signer's profile
        validFrom=datetime_z(valid_from),
        validUntil=datetime_z(end) if end else None,
        awardedDate=datetime_z(valid_from),
        credentialSubject=subject,
        credentialSchema=[
            CredentialSchema(id=OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, type=OB_SCHEMA_TYPE)
        ],
    )


def _unsigned(credential: OpenBadgeCredential) -> dict[str, Any]:
    document = credential.to_json()
    document.pop("id")
    document.pop("issuer")
    return document


def course_criteria(course: Course) -> str:
    if course.criteria_narrative:
        return course.criteria_narrative
    if course.certifies_on == "completion":
        return f"Complete {course.title}."
    return f"Earn a grade of at least {percent_text(course.passing_grade)}% in {course.title}."


def course_credential(
    base_url: str, org_slug: str, course: Course, learner: Learner, facts: AwardFacts
) -> dict[str, Any]:
    achievement_id = course_achievement_id(base_url, org_slug, course.key)
    descriptions: list[ResultDescription] = []
    results: list[Result] = []
    show = course.show_grade
    if show and facts.percent_grade is not None:
        descriptions.append(
            ResultDescription(
                id=f"{achievement_id}#grade",
                name="Final grade",
                resultType="Percent",
                valueMin="0",
                valueMax="100",
                requiredValue=percent_text(course.passing_grade)
                if course.certifies_on == "grade"
                else None,
            )
        )
        results.append(
            Result(
                resultDescription=f"{achievement_id}#grade", value=percent_text(facts.percent_grade)
            )
        )
    if show and facts.letter_grade:
        descriptions.append(
            ResultDescription(
                id=f"{achievement_id}#letter", name="Letter grade", resultType="LetterGrade"
            )
        )
        results.append(
            Result(resultDescription=f"{achievement_id}#letter", value=facts.letter_grade)
        )
    if facts.basis == "completion":
        descriptions.append(
            ResultDescription(
                id=f"{achievement_id}#completion", name="Completion", resultType="Status"
            )
        )
        results.append(Result(resultDescription=f"{achievement_id}#completion", status="Completed"))
    bands = sorted(course.grade_bands, key=lambda b: b["min_grade"])
    band_levels = {b["name"]: f"{achievement_id}#level-{i}" for i, b in enumerate(bands)}
    if show and facts.band and facts.band in band_levels:
        descriptions.append(
            ResultDescription(
                id=f"{achievement_id}#band", name="Grade band", resultType="RubricCriterionLevel"
            )
        )
        results.append(
            Result(
                resultDescription=f"{achievement_id}#band", achievedLevel=band_levels[facts.band]
            )
        )
    achievement = Achievement(
        id=achievement_id,
        name=course.title,
        description=course.description or f"Certificate for the course {course.title}.",
        criteria=Criteria(narrative=course_criteria(course)),
        achievementType=course.achievement_type,
        image=_image(course.image_url),
        creditsAvailable=course.credit_hours,
        humanCode=course.course_key,
        resultDescription=descriptions,
    )
    subject = AchievementSubject(
        id=learner.holder_did,
        achievement=achievement,
        identifier=subject_identifiers(learner),
        result=results,
        creditsEarned=course.credit_hours,
    )
    document = _unsigned(
        _envelope(course.title, achievement.description, subject, facts.awarded_at, course.validity)
    )
    if show and facts.band and facts.band in band_levels:
        _add_rubric_levels(document, f"{achievement_id}#band", bands, band_levels)
    return document


def _add_rubric_levels(
    document: dict[str, Any],
    description_id: str,
    bands: list[dict[str, Any]],
    level_ids: dict[str, str],
) -> None:
    """OB B.1.18 RubricCriterionLevel entries (the core model does not carry them)."""
    for rd in document["credentialSubject"]["achievement"]["resultDescription"]:
        if rd["id"] == description_id:
            rd["rubricCriterionLevel"] = [
                {
                    "id": level_ids[b["name"]],
                    "type": ["RubricCriterionLevel"],
                    "name": b["name"],
                    "description": f"A grade of at least {percent_text(b['min_grade'])}%",
                }
                for b in bands
            ]


def program_credential(
    base_url: str,
    org_slug: str,
    program: Program,
    learner: Learner,
    counted: list[CountedCourse],
    valid_from: datetime,
) -> dict[str, Any]:
    rules = ProgramRules.from_json(program.rules)
    titles = {c.course.course_key: c.course.title for c in counted}
    achievement = Achievement(
        id=program_achievement_id(base_url, org_slug, program.slug),
        name=program.title,
        description=program.description
        or f"Credential for completing the program {program.title}.",
        criteria=Criteria(narrative=program.criteria_narrative or describe(rules, titles)),
        achievementType=program_achievement_type(program),
        image=_image(program.image_url),
        tag=[program.program_type] if program.program_type else [],
    )
    credits = [c.course.credit_hours for c in counted if c.course.credit_hours]
    subject = AchievementSubject(
        id=learner.holder_did,
        achievement=achievement,
        identifier=subject_identifiers(learner),
        creditsEarned=sum(credits) if credits else None,
    )
    credential = _envelope(
        program.title, achievement.description, subject, valid_from, program.validity
    )
    credential.evidence = [
        Evidence(
            id=c.credential_id,
            name=c.course.title,
            description=f"Course credential for {c.course.key}, earned {datetime_z(c.awarded_at)}; "
            f"{c.credential_url}",
        )
        for c in counted
    ]
    return _unsigned(credential)
