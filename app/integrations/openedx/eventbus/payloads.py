"""The openedx-events data classes we consume, read from their decoded Avro records.

Shapes as openedx_events.learning.data defines them (datetimes and course keys travel as
strings; ``start``/``end`` are ``["null","string"]``). The LMS often sends an empty course
``display_name`` (our catalog has the title) and an empty learner ``name`` in passing-status
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CERTIFICATE_CREATED = "org.openedx.learning.certificate.created.v1"
CERTIFICATE_CHANGED = "org.openedx.learning.certificate.changed.v1"
CERTIFICATE_REVOKED = "org.openedx.learning.certificate.revoked.v1"
PASSING_STATUS_UPDATED = "org.openedx.learning.course.passing.status.updated.v1"
GRADE_SUMMARY_CHANGED = "org.openedx.learning.course.persistent_grade_summary.changed.v1"


class InvalidPayload(ValueError):
    """The record decodes but a value cannot be used (e.g. a bad course key or timestamp)."""


@dataclass(frozen=True)
class UserData:
    """UserData{id, is_active, pii: UserPersonalData{username, email, name}}."""

    id: int
    is_active: bool
    username: str
    email: str
    name: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> UserData:
        pii = raw["pii"]
        if not pii["username"]:
            raise InvalidPayload("the learner has no username")
        return cls(raw["id"], raw["is_active"], pii["username"], pii["email"], pii["name"])


@dataclass(frozen=True)
class CourseData:
    """CourseData{course_key, display_name, start?, end?}."""

    course_key: str
    display_name: str
    start: datetime | None
    end: datetime | None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> CourseData:
        if not raw["course_key"]:
            raise InvalidPayload("the course key is empty")
        return cls(
            raw["course_key"],
            raw["display_name"],
            parse_time(raw.get("start"), "course.start"),
            parse_time(raw.get("end"), "course.end"),
        )


@dataclass(frozen=True)
class CertificateData:
    """CertificateData{user, course, mode, grade, download_url, name, current_status,
    previous_status} (certificate created/changed/revoked)."""

    user: UserData
    course: CourseData
    mode: str
    grade: str
    download_url: str
    name: str
    current_status: str
    previous_status: str

    @classmethod
    def of(cls, record: dict[str, Any]) -> CertificateData:
        raw = record["certificate"]
        return cls(
            UserData.of(raw["user"]),
            CourseData.of(raw["course"]),
            raw["mode"],
            raw["grade"],
            raw["download_url"],
            raw["name"],
            raw["current_status"],
            raw["previous_status"],
        )


@dataclass(frozen=True)
class CoursePassingStatusData:
    """CoursePassingStatusData{is_passing, course, user}."""

    is_passing: bool
    course: CourseData
    user: UserData

    @classmethod
    def of(cls, record: dict[str, Any]) -> CoursePassingStatusData:
        raw = record["course_passing_status"]
        return cls(raw["is_passing"], CourseData.of(raw["course"]), UserData.of(raw["user"]))


@dataclass(frozen=True)
class PersistentCourseGradeData:
    """PersistentCourseGradeData{user_id, course, course_edited_timestamp, course_version,
    grading_policy_hash, percent_grade, letter_grade, passed_timestamp}. Only the LMS user id:
    no username."""

    user_id: int
    course: CourseData
    course_edited_timestamp: datetime | None
    course_version: str
    grading_policy_hash: str
    percent_grade: float
    letter_grade: str
    passed_timestamp: datetime | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> PersistentCourseGradeData:
        raw = record["grade"]
        percent = raw["percent_grade"]
        if not 0.0 <= percent <= 1.0:
            raise InvalidPayload(f"percent_grade {percent} is outside 0..1")
        return cls(
            raw["user_id"],
            CourseData.of(raw["course"]),
            parse_time(raw["course_edited_timestamp"], "course_edited_timestamp"),
            raw["course_version"],
            raw["grading_policy_hash"],
            percent,
            raw["letter_grade"],
            parse_time(raw["passed_timestamp"], "passed_timestamp"),
        )


def parse_time(value: str | None, field: str) -> datetime | None:
    """openedx-events writes datetimes with ``isoformat()``; an empty string means none."""
    if not value or value == "None":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPayload(f"{field} is not ISO 8601: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
