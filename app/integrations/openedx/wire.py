"""The credentials-service API's request bodies exactly as edx-platform sends them, read
into plain values (a bad value is a 422 naming the field).

What a careful reading of the LMS shows it sends:
- grades are form-encoded with Python ``str()`` values (``verified=True``,
  ``lms_last_updated_at=2026-11-30 18:39:36.491946+00:00``, a ``None`` letter grade omitted,
  a failing one ``letter_grade=``); older releases sent the same as JSON;
- ``certificate_available_date`` as ``2026-06-30 00:00:00+00:00``, ``%Y-%m-%dT%H:%M:%SZ`` or
  null; ``date_override`` ``{"date": "%Y-%m-%dT%H:%M:%SZ"}`` or null;
- credentials in three shapes: program award (no ``status``, with ``lms_user_id``), program
  revoke (``status: "revoked"``, no ``attributes``), course run (``status`` and
  ``date_override``; older releases add ``attributes: [{name: "visible_date", value}]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.errors import InvalidInput

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def text(
    data: dict[str, Any], name: str, *, required: bool = False, limit: int = 255
) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f'"{name}" is required', field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f'"{name}" must be a string', field=name)
    value = str(value).strip()
    if len(value) > limit:
        raise InvalidInput(f'"{name}" is longer than {limit} characters', field=name)
    return value


def boolean(value: Any, name: str, default: bool = False) -> bool:
    """``True``/``False`` as Python's ``str()`` writes them, JSON booleans, 1/0."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise InvalidInput(f'"{name}" must be true or false', field=name)


def instant(value: Any, name: str) -> datetime | None:
    """ISO 8601 with ``T`` or a space, ``Z`` or an offset, or a bare date; naive is UTC.

    Only years ``EARLIEST_YEAR``..``LATEST_YEAR``: year 1 was issued as a ``validFrom`` and
    echoed as ``1-01-01T...`` (not a date the LMS can read back), and 9999-12-31 overflowed
    once a timezone or a day was added to it and was silently dropped."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f'"{name}" must be a date and time', field=name)
    try:
        parsed = datetime.fromisoformat(value.strip())
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f'"{name}" is not a date and time (e.g. 2026-06-30T00:00:00Z)', field=name
        ) from None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise InvalidInput(
            f'"{name}" must be a date between {EARLIEST_YEAR} and {LATEST_YEAR}', field=name
        )
    return parsed


#: The dates an LMS call may carry (``instant``): Unix time onwards, and short of year 9999
#: so that adding a day or a timezone never overflows ``datetime``.
EARLIEST_YEAR = 1970
LATEST_YEAR = 9998


def fraction(value: Any, name: str) -> float:
    """``percent_grade``: 0..1 as the LMS computes it (``str(0.85)`` in a form)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f'"{name}" is required (a number from 0 to 1)', field=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f'"{name}" must be a number from 0 to 1', field=name) from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise InvalidInput(f'"{name}" must be a number from 0 to 1', field=name)
    return number


# -- POST /api/v2/grades/ ---------------------------------------------------------------------


@dataclass(frozen=True)
class GradeIn:
    username: str
    course_run: str
    letter_grade: str
    percent_grade: float
    verified: bool
    lms_last_updated_at: datetime | None


def grade_in(data: dict[str, Any]) -> GradeIn:
    username = text(data, "username", required=True, limit=150)
    run = text(data, "course_run", required=True)
    assert username is not None and run is not None
    letter = data.get("letter_grade")
    if letter is not None and not isinstance(letter, str):
        raise InvalidInput('"letter_grade" must be a string', field="letter_grade")
    return GradeIn(
        username=username,
        course_run=run,
        letter_grade=(letter or "").strip()[:255],
        percent_grade=fraction(data.get("percent_grade"), "percent_grade"),
        verified=boolean(data.get("verified"), "verified"),
        lms_last_updated_at=instant(data.get("lms_last_updated_at"), "lms_last_updated_at"),
    )


# -- POST /api/v2/credentials/ ----------------------------------------------------------------


@dataclass(frozen=True)
class CredentialIn:
    username: str
    status: str
    type: str  # "course-run" | "program"
    course_run_key: str | None
    mode: str | None
    program_uuid: str | None
    lms_user_id: str | None
    date_override: datetime | None
    visible_date: datetime | None
    attributes: list[dict[str, str]]


def credential_in(data: dict[str, Any]) -> CredentialIn:
    username = text(data, "username", required=True, limit=150)
    assert username is not None
    status = data.get("status", "awarded")
    if status not in ("awarded", "revoked"):
        raise InvalidInput('"status" must be "awarded" or "revoked"', field="status")
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise InvalidInput('"credential" is required (an object)', field="credential")
    program_uuid = text(credential, "program_uuid", limit=64)
    run = text(credential, "course_run_key")
    if program_uuid is None and run is None:
        raise InvalidInput("Credential identifier is missing.", field="credential")
    attributes = _attributes(data.get("attributes"))
    visible = next((a["value"] for a in attributes if a["name"] == "visible_date"), None)
    override = data.get("date_override")
    if override is not None and not isinstance(override, dict):
        raise InvalidInput('"date_override" must be {"date": ...} or null', field="date_override")
    mode = text(credential, "mode", limit=50)
    return CredentialIn(
        username=username,
        status=status,
        type="program" if program_uuid else "course-run",
        course_run_key=None if program_uuid else run,
        mode=mode.lower() if mode else None,
        program_uuid=program_uuid,
        lms_user_id=text(data, "lms_user_id", limit=64),
        date_override=instant((override or {}).get("date"), "date_override.date"),
        visible_date=instant(visible, "attributes.visible_date"),
        attributes=attributes,
    )


def _attributes(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50:
        raise InvalidInput('"attributes" must be a list of {name, value}', field="attributes")
    out: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidInput('"attributes" must be a list of {name, value}', field="attributes")
        name, val = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(val, str) or len(name) > 255:
            raise InvalidInput('"attributes" items need a "name" and a "value"', field="attributes")
        out.append({"name": name, "value": val[:255]})
    names = [a["name"] for a in out]
    if len(names) != len(set(names)):
        raise InvalidInput("Attribute names cannot be duplicated.", field="attributes")
    return out


# -- POST /api/v2/course_certificates/ --------------------------------------------------------


@dataclass(frozen=True)
class CourseCertificateIn:
    course_id: str
    certificate_type: str | None
    certificate_available_date: datetime | None
    is_active: bool


def course_certificate_in(data: dict[str, Any]) -> CourseCertificateIn:
    course_id = text(data, "course_id", required=True)
    assert course_id is not None
    return CourseCertificateIn(
        course_id=course_id,
        certificate_type=text(data, "certificate_type", limit=50),
        certificate_available_date=instant(
            data.get("certificate_available_date"), "certificate_available_date"
        ),
        is_active=boolean(data.get("is_active"), "is_active", default=True),
    )
