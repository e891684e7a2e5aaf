"""Helpers for the share page tests: credentials a course would issue, SVG QR rasterizing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from PIL import Image, ImageDraw
from sqlmodel import Session

from app.container import Services
from app.credentials import repository
from app.db import session_scope
from app.models import IssuedCredential, Organization
from tests.factories import open_badge

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
LEARNER = "María-José Fernández"


def named_badge(
    title: str = "Introduction to Cryptography", learner: str | None = LEARNER, **extra: Any
) -> dict[str, Any]:
    """An OB 3.0 credential with the learner's name (IdentityObject, identityType "name")."""
    credential = open_badge(title)
    if learner:
        credential["credentialSubject"]["identifier"].append(
            {"type": "IdentityObject", "hashed": False, "identityHash": learner,
             "identityType": "name"}
        )  # fmt: skip
    credential.update(extra)
    return credential


def graded_badge(title: str = "Data Science Foundations") -> dict[str, Any]:
    """A credential with a percent grade and a grade band (OB 3.0 Result / RubricCriterionLevel)."""
    credential = named_badge(title)
    achievement = credential["credentialSubject"]["achievement"]
    base = achievement["id"]
    achievement["resultDescription"] = [
        {"id": f"{base}#grade", "type": ["ResultDescription"], "name": "Final grade",
         "resultType": "Percent"},
        {"id": f"{base}#band", "type": ["ResultDescription"], "name": "Grade band",
         "resultType": "RubricCriterionLevel",
         "rubricCriterionLevel": [
             {"id": f"{base}#level-0", "type": ["RubricCriterionLevel"], "name": "Merit"},
             {"id": f"{base}#level-1", "type": ["RubricCriterionLevel"], "name": "Distinction"},
         ]},
    ]  # fmt: skip
    credential["credentialSubject"]["result"] = [
        {"type": ["Result"], "resultDescription": f"{base}#grade", "value": "93"},
        {"type": ["Result"], "resultDescription": f"{base}#band",
         "achievedLevel": f"{base}#level-1"},
    ]  # fmt: skip
    return credential


def uuid_of(credential: dict[str, Any]) -> str:
    return str(credential["id"]).removeprefix("urn:uuid:")


def stored(services: Services, uuid: str) -> IssuedCredential:
    with session_scope(services.engine) as session:
        record = repository.by_uuid(session, uuid)
        assert record is not None
        return record


def set_status(services: Services, uuid: str, action: str) -> None:
    with session_scope(services.engine) as session:
        record = repository.by_uuid(session, uuid)
        assert record is not None
        getattr(services.credential_status, action)(session, record, "test", "tests")


def enable_suspension(services: Services, org_id: int) -> None:
    with Session(services.engine) as session:
        org = session.get(Organization, org_id)
        assert org is not None
        org.suspension_enabled = True
        session.add(org)
        session.commit()


def set_public_from(services: Services, uuid: str, when: datetime) -> None:
    with session_scope(services.engine) as session:
        record = repository.by_uuid(session, uuid)
        assert record is not None
        record.public_from = when.astimezone(UTC)
        session.add(record)
        session.commit()


def rasterize_segno_svg(svg: str, module: int = 6) -> Image.Image:
    """Draw segno's SVG (one path of "M x y", "m dx dy" and "h n" runs) as a bitmap."""
    match = re.search(r'class="qrline"[^>]*\sd="([^"]+)"', svg)
    assert match, "no QR path in the SVG"
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg) or re.search(
        r'<path fill="#fff" d="M0 0h(\d+)v(\d+)', svg
    )
    assert size
    modules = int(size.group(1))
    image = Image.new("L", (modules * module, modules * module), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", match.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # h: a run of dark modules on row floor(y)
            length = float(a)
            row = int(y)
            draw.rectangle(
                (x * module, row * module, (x + length) * module - 1, (row + 1) * module - 1),
                fill=0,
            )
            x += length
    return image


def expired_badge(title: str = "First Aid at Work") -> dict[str, Any]:
    """A credential valid from 2 May 2024 to 1 June 2026: genuine, and past its end date."""
    return named_badge(title, validFrom="2024-05-02T09:00:00Z", validUntil="2026-06-01T00:00:00Z")


SKILL_URL = "https://skills.example.org/frameworks/data/statistics"


def whole_badge(title: str = "Statistics for Data Work") -> dict[str, Any]:
    """A Badge with an image, two skills (alignments) and tags (OB 3.0 §B.1.1, §B.1.2)."""
    credential = named_badge(title)
    achievement = credential["credentialSubject"]["achievement"]
    achievement["achievementType"] = "Badge"
    achievement["image"] = {"id": BADGE_IMAGE, "type": "Image", "caption": "Badge"}
    achievement["alignment"] = [
        {"type": ["Alignment"], "targetName": "Descriptive statistics", "targetUrl": SKILL_URL,
         "targetFramework": "Example Data Skills", "targetType": "ceasn:Competency"},
        {"type": ["Alignment"], "targetName": "Hypothesis testing",
         "targetUrl": "javascript:alert(1)"},
    ]  # fmt: skip
    achievement["tag"] = ["statistics", "data"]
    return credential


#: A small SVG badge as a data: URL: pages and PDFs show it without fetching anything.
BADGE_IMAGE = (
    "data:image/svg+xml;base64,"
    "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxMDAgMTAwIj48Y2lyY2xl"
    "IGN4PSI1MCIgY3k9IjUwIiByPSI0NiIgZmlsbD0iIzFmM2E1ZiIvPjxwYXRoIGQ9Ik0zMCA1MmwxNCAxNCAyNi0yOCIg"
    "ZmlsbD0ibm9uZSIgc3Ryb2tlPSIjZmZmIiBzdHJva2Utd2lkdGg9IjgiLz48L3N2Zz4="
)
