"""Constrained field types of the LMS catalog: the rules its Create/Update models apply.

Field rules live here so that bad input is a 422 naming the field, never a 500. They apply
to input only: the Public models read rows as stored, so tightening a rule never breaks a
read of an older row.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.core.duration import parse_duration
from app.db import as_utc

#: OB 3.0 AchievementType values (B.2.1); anything else must use the ``ext:`` prefix.
ACHIEVEMENT_TYPES = frozenset(
    [
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]
)
_EXT_TYPE = re.compile(r"^ext:[A-Za-z0-9._-]+$")
_KEY = re.compile(r"^[^\s\x00-\x1f\x7f]+$")
_MODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_PROGRAM_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
#: Characters no IRI may hold (RFC 3987): they would fail JSON-LD canonicalization at signing.
_NOT_IRI = re.compile(r'[\s<>"{}|\\^`\x00-\x1f]')
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+(?:[#/?].*)?$")
DEFAULT_CERTIFICATE_MODES = (
    "verified",
    "professional",
    "no-id-professional",
    "masters",
    "executive-education",
)


def _image_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("https://", "http://", "data:image/")) or _NOT_IRI.search(value):
        raise ValueError("must be an http(s) URL or a data:image/... URI")
    return value


def _achievement_type(value: str | None) -> str | None:
    if value is None or value in ACHIEVEMENT_TYPES or _EXT_TYPE.match(value):
        return value
    raise ValueError(
        "must be an Open Badges 3.0 achievementType (e.g. Course, Certificate, "
        "MicroCredential) or a custom value prefixed with ext: (e.g. ext:MicroMasters)"
    )


def _course_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("must not contain spaces or control characters")
    return value


def course_of_run(run_key: str) -> str:
    """The course a run belongs to: ``course-v1:Acme+CS101+2026_T1`` -> ``Acme+CS101``.

    Open edX keys are ``course-v1:ORG+COURSE+RUN`` (or the older ``ORG/COURSE/RUN``); a key
    of any other shape is its own course.
    """
    body = run_key.split(":", 1)[1] if run_key.startswith("course-v1:") else run_key
    for sep in ("+", "/"):
        parts = body.split(sep)
        if len(parts) == 3 and all(parts):
            return "+".join(parts[:2])
    return run_key


ImageUrl = Annotated[str | None, Field(default=None, max_length=2000), AfterValidator(_image_url)]
AchievementType = Annotated[str | None, AfterValidator(_achievement_type)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
CourseName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_course_key),
]
Grade = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _period(value: str | None) -> str | None:
    if value is not None:
        parse_duration(value)  # its ValueError names the expected form
    return value


#: An ISO 8601 period of years, months, weeks or days ("P2Y"): how long a credential is valid.
Period = Annotated[str | None, Field(default=None, max_length=32), AfterValidator(_period)]
#: An LMS's own id of an object (e.g. an Open edX program uuid).
ExternalId = Annotated[
    str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]


class _In(BaseModel):
    """Nested input objects: unknown members are an error naming them."""

    model_config = ConfigDict(extra="forbid")


class Signatory(_In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    organization: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    signature_image_url: ImageUrl = None


class GradeBand(_In):
    """A named band of grades, e.g. "Distinction" from 0.9: the credential's achieved level."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    min_grade: Grade


def _modes(value: list[str]) -> list[str]:
    out: list[str] = []
    for mode in value:
        mode = mode.strip().lower()
        if not _MODE.match(mode):
            raise ValueError(f'"{mode}" is not a mode name (lowercase letters, digits, - and _)')
        if mode not in out:
            out.append(mode)
    return out


def _bands(value: list[GradeBand]) -> list[GradeBand]:
    names = [b.name for b in value]
    mins = [b.min_grade for b in value]
    if len(set(names)) != len(names):
        raise ValueError("band names must be distinct")
    if len(set(mins)) != len(mins):
        raise ValueError("bands must start at distinct grades")
    return sorted(value, key=lambda b: b.min_grade)


Modes = Annotated[list[str], Field(max_length=20), AfterValidator(_modes)]
Bands = Annotated[list[GradeBand], Field(max_length=20), AfterValidator(_bands)]
Signatories = Annotated[list[Signatory], Field(max_length=10)]
CertifiesOn = Annotated[str, Field(pattern="^(grade|completion)$")]
CreditHours = Annotated[float | None, Field(default=None, ge=0, le=10_000, allow_inf_nan=False)]


class ElectiveGroup(_In):
    """Any ``choose`` of ``courses``."""

    choose: Annotated[int, Field(ge=1, le=100)]
    courses: Annotated[list[CourseName], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _enough_courses(self) -> ElectiveGroup:
        if self.choose > len(self.courses):
            raise ValueError(f"choose is {self.choose} but the group names {len(self.courses)}")
        return self


def _no_run_keys(courses: list[str]) -> list[str]:
    """A program names courses (``Acme+CS101``), never runs: awards are matched by the course
    of their run (``course_of_run``), so a run key in a program would never be completed. That
    covers ``course-v1:ORG+COURSE+RUN`` and the older ``ORG/COURSE/RUN`` or ``ORG+COURSE+RUN``."""
    for name in courses:
        if course_of_run(name) != name:
            raise ValueError(
                f'"{name}" is a course run; name the course without its run, '
                f'e.g. "{course_of_run(name)}"'
            )
    return courses


CourseList = Annotated[list[CourseName], Field(max_length=200), AfterValidator(_no_run_keys)]
ProgramSlug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=_PROGRAM_SLUG.pattern)
]


def check_program_courses(required: list[str], electives: list[ElectiveGroup]) -> None:
    """A course counts once: it may appear in one place of a program only."""
    seen: set[str] = set()
    names = list(required) + [c for group in electives for c in group.courses]
    if not names:
        raise ValueError("a program needs at least one required or elective course")
    for name in names:
        if name in seen:
            raise ValueError(f'course "{name}" appears more than once in the program')
        seen.add(name)
    for group in electives:
        _no_run_keys(group.courses)


def _email(value: str | None) -> str | None:
    """An empty string (LMSs send one for "unknown") is no email."""
    value = value.strip() if value is not None else None
    if not value:
        return None
    if not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


def _did(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        return None
    if not _DID.match(value):
        raise ValueError('must be a DID, e.g. "did:key:z6Mk..."')
    return value


LmsId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
LearnerName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Email = Annotated[str | None, Field(default=None, max_length=320), AfterValidator(_email)]
HolderDid = Annotated[str | None, Field(default=None, max_length=500), AfterValidator(_did)]

#: Stored instants as the API writes them: UTC (SQLite gives them back without a zone).
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
ProgramType = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Electives = Annotated[list[ElectiveGroup], Field(max_length=50)]

#: Create/Update models reject unknown members: a typo is a 422 naming it, not a no-op.
#: (Typed ``Any``: SQLModel declares ``model_config`` with its own TypedDict.)
INPUT_CONFIG: Any = ConfigDict(extra="forbid")
#: Public models always write every field, defaults too: the OpenAPI document says so.
PUBLIC_CONFIG: Any = ConfigDict(json_schema_serialization_defaults_required=True)
