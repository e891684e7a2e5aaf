"""Stable OB 3.0 Achievement ids of an organization's course runs and programs.

They are URLs under the issuer's base URL, so the same course run always names the same
achievement, whichever credential carries it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from app.models import Program
from app.models.fields import ACHIEVEMENT_TYPES

#: How LMS program types map onto OB 3.0 AchievementType (B.2.1).
_PROGRAM_TYPES = {
    "professional certificate": "Certificate",
    "certificate": "Certificate",
    "micromasters": "ext:MicroMasters",
    "microbachelors": "ext:MicroBachelors",
    "xseries": "ext:XSeries",
    "professional program": "LearningProgram",
    "degree": "Degree",
}


def course_achievement_id(base_url: str, org_slug: str, run_key: str) -> str:
    return f"{base_url}/orgs/{org_slug}/courses/{quote(run_key, safe='')}"


def program_achievement_id(base_url: str, org_slug: str, program_slug: str) -> str:
    return f"{base_url}/orgs/{org_slug}/programs/{quote(program_slug, safe='')}"


def program_achievement_type(program: Program) -> str:
    """The configured type, else one derived from the program type, else "Certificate"."""
    if program.achievement_type:
        return program.achievement_type
    kind = (program.program_type or "").strip()
    if not kind:
        return "Certificate"
    if kind in ACHIEVEMENT_TYPES:
        return kind
    mapped = _PROGRAM_TYPES.get(kind.lower())
    if mapped:
        return mapped
    compact = re.sub(r"[^A-Za-z0-9._-]", "", kind.title())
    return f"ext:{compact}" if compact else "Certificate"
