"""What a certificate shows, read from the signed Open Badges 3.0 credential itself.

Everything the page prints about the achievement comes from the credential (OB 3.0 §B.1:
AchievementCredential, AchievementSubject, Achievement, Result, Profile), so the page and the
JSON a machine reads never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from app.web.i18n import N_, format_date, gettext
from app.web.urls import allowed_url

#: OB 3.0 achievementType values shown with the program layout.
PROGRAM_TYPES = {"Certificate", "Diploma", "Degree", "MicroCredential", "LearningProgram"}

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class ResultLine:
    """A grade, band or score (OB 3.0 §B.1.22 Result), with its description's name."""

    label: str
    value: str

    @property
    def shown_label(self) -> str:
        """The label in the reader's language when it is one Laurel itself writes into the
        credential (app.awards.documents); an issuer's own wording stays as written."""
        known = RESULT_LABELS.get(self.label)
        return gettext(known) if known else self.label


#: The ResultDescription names Laurel writes (app.awards.documents), for the catalogs.
RESULT_LABELS = {
    "Final grade": N_("Final grade"),
    "Letter grade": N_("Letter grade"),
    "Grade band": N_("Grade band"),
}


@dataclass(frozen=True)
class Skill:
    """An Alignment (OB 3.0 §B.1.1): a skill or competency framework entry the achievement
    aligns to; ``url`` is its ``targetUrl`` when a page may link it."""

    name: str
    url: str | None = None
    framework: str | None = None


#: The heading word by OB 3.0 AchievementType (§B.2.1); themes override it per type.
TYPE_WORDS = {
    "Course": N_("Certificate of completion"),
    "Badge": N_("Badge"),
    "Certificate": N_("Certificate"),
    "Certification": N_("Certification"),
    "Diploma": N_("Diploma"),
    "Degree": N_("Degree"),
    "AssociateDegree": N_("Associate degree"),
    "BachelorDegree": N_("Bachelor's degree"),
    "MasterDegree": N_("Master's degree"),
    "DoctoralDegree": N_("Doctoral degree"),
    "MicroCredential": N_("Micro-credential"),
    "LearningProgram": N_("Program certificate"),
    "Competency": N_("Competency"),
    "License": N_("Licence"),
    "Membership": N_("Membership"),
    "Award": N_("Award"),
    "Achievement": N_("Certificate of achievement"),
}


@dataclass(frozen=True)
class CertificateView:
    credential_id: str
    title: str
    description: str | None
    criteria: str | None
    achievement_type: str | None
    achievement_image: str | None
    learner_name: str | None
    issuer_name: str
    issuer_url: str | None
    issuer_image: str | None
    awarded: date | None
    valid_until: date | None
    results: list[ResultLine] = field(default_factory=list)
    credits: str | None = None
    #: Names of the evidence (OB 3.0 §B.1.8), e.g. the course credentials a program rests on.
    evidence: list[str] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def human_code(self) -> str:
        """A short code people can read out and compare (``1B4E-28BA-2D11``)."""
        return human_code(self.credential_id)

    @property
    def awarded_text(self) -> str | None:
        return format_date(self.awarded) if self.awarded else None

    @property
    def valid_until_text(self) -> str | None:
        """In the reader's language (Babel): "1 June 2026", "1 de junio de 2026"."""
        return format_date(self.valid_until) if self.valid_until else None

    @property
    def is_program(self) -> bool:
        return self.achievement_type in PROGRAM_TYPES


def human_code(credential_id: str) -> str:
    """The first 12 hex digits of the credential's UUID in three groups of four: enough to tell
    two certificates apart by eye; the page URL carries the whole UUID."""
    hexdigits = "".join(c for c in credential_id.removeprefix("urn:uuid:") if c.isalnum())
    head = hexdigits[:12].upper()
    return "-".join(head[i : i + 4] for i in range(0, len(head), 4)) or credential_id


def human_date(value: date) -> str:
    """ "29 November 2026": unambiguous in every locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()


def _text(value: Any) -> str | None:
    """A plain string, or the first value of a JSON-LD language map / value object."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        if "@value" in value:
            return _text(value["@value"])
        for item in value.values():
            found = _text(item)
            if found:
                return found
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _image(value: Any) -> str | None:
    """An Image's URL (OB 3.0 §B.1.15: a URL or an object with an id), if a page may show it."""
    if isinstance(value, dict):
        value = value.get("id")
    return allowed_url(value, "image") or None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def learner_name(subject: dict[str, Any]) -> str | None:
    """The learner's display name: an unhashed IdentityObject of identityType "name"
    (OB 3.0 §B.1.10 and the IdentifierTypeEnum), else a ``name`` on the subject."""
    for identity in _as_list(subject.get("identifier")):
        if (
            isinstance(identity, dict)
            and identity.get("identityType") == "name"
            and identity.get("hashed") is False
        ):
            found = _text(identity.get("identityHash"))
            if found:
                return found
    return _text(subject.get("name"))


def _results(subject: dict[str, Any], achievement: dict[str, Any]) -> list[ResultLine]:
    descriptions: dict[str, dict[str, Any]] = {}
    levels: dict[str, str] = {}
    for desc in _as_list(achievement.get("resultDescription")):
        if isinstance(desc, dict) and isinstance(desc.get("id"), str):
            descriptions[desc["id"]] = desc
            for level in _as_list(desc.get("rubricCriterionLevel")):
                if isinstance(level, dict) and isinstance(level.get("id"), str):
                    levels[level["id"]] = _text(level.get("name")) or level["id"]
    lines = []
    for result in _as_list(subject.get("result")):
        if not isinstance(result, dict):
            continue
        desc = descriptions.get(str(result.get("resultDescription")), {})
        label = _text(desc.get("name")) or "Result"
        value = _text(result.get("value")) or _text(result.get("status"))
        if value and desc.get("resultType") == "Percent" and result.get("value"):
            value += "%"
        level = result.get("achievedLevel")
        if isinstance(level, str) and level in levels:
            value = f"{levels[level]} ({value})" if value else levels[level]
        if value:
            lines.append(ResultLine(label, value))
    return lines


def _skills(achievement: dict[str, Any]) -> list[Skill]:
    skills = []
    for item in _as_list(achievement.get("alignment"))[:24]:
        if not isinstance(item, dict):
            continue
        name = _text(item.get("targetName"))
        if name:
            skills.append(
                Skill(
                    name=name,
                    url=allowed_url(_text(item.get("targetUrl"))) or None,
                    framework=_text(item.get("targetFramework")),
                )
            )
    return skills


def _tags(achievement: dict[str, Any]) -> list[str]:
    return [t for item in _as_list(achievement.get("tag"))[:24] if (t := _text(item))]


def certificate_view(credential: dict[str, Any]) -> CertificateView:
    subject: dict[str, Any] = next(
        (s for s in _as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {}
    )
    achievement = _object(subject.get("achievement"))
    raw_issuer = credential.get("issuer")
    issuer = raw_issuer if isinstance(raw_issuer, dict) else {"id": raw_issuer}
    criteria = _object(achievement.get("criteria"))
    credits = achievement.get("creditsAvailable")
    credits = subject.get("creditsEarned", credits)
    return CertificateView(
        credential_id=str(credential.get("id") or ""),
        title=_text(achievement.get("name")) or _text(credential.get("name")) or "Certificate",
        description=_text(achievement.get("description")) or _text(credential.get("description")),
        criteria=_text(criteria.get("narrative")),
        achievement_type=_text(achievement.get("achievementType")),
        achievement_image=_image(achievement.get("image")),
        learner_name=learner_name(subject),
        issuer_name=_text(issuer.get("name")) or str(issuer.get("id") or ""),
        issuer_url=allowed_url(_text(issuer.get("url"))) or None,
        issuer_image=_image(issuer.get("image")),
        awarded=parse_date(
            credential.get("awardedDate")
            or credential.get("validFrom")
            or credential.get("issuanceDate")
        ),
        valid_until=parse_date(credential.get("validUntil") or credential.get("expirationDate")),
        results=_results(subject, achievement),
        credits=f"{credits:g}" if isinstance(credits, int | float) else None,
        evidence=[
            name
            for item in _as_list(credential.get("evidence"))
            if isinstance(item, dict) and (name := _text(item.get("name")))
        ],
        skills=_skills(achievement),
        tags=_tags(achievement),
    )
