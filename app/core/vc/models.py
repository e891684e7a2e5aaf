"""Pydantic models of the Open Badges 3.0 credential (OB 3.0 App. B.1) over VC Data Model 2.0.

``to_json()`` follows OB App. A.1 serialization: multi-valued properties are arrays, nulls and
empty arrays are omitted.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.vocabulary import OB_V3P0, OB_V3P0_EXTENSIONS, VC_V2

OB_CONTEXTS = [VC_V2, OB_V3P0, OB_V3P0_EXTENSIONS]
OB_CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential")


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        return _prune(self.model_dump(by_alias=True, exclude_none=True))


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


class Image(_Model):
    """B.1.13."""

    id: str
    type: str = "Image"
    caption: str | None = None


class Criteria(_Model):
    """B.1.4: a URL and/or a narrative (Markdown)."""

    id: str | None = None
    narrative: str | None = None


class Profile(_Model):
    """B.1.14: the issuer."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["Profile"])
    name: str | None = None
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: Image | None = None


class ResultDescription(_Model):
    """B.1.17: how a result is expressed (e.g. a percent between valueMin and valueMax)."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["ResultDescription"])
    name: str
    result_type: str = Field(alias="resultType")
    allowed_value: list[str] = Field(default_factory=list, alias="allowedValue")
    required_value: str | None = Field(default=None, alias="requiredValue")
    value_min: str | None = Field(default=None, alias="valueMin")
    value_max: str | None = Field(default=None, alias="valueMax")


class Result(_Model):
    """B.1.16: a learner's result, pointing at a ResultDescription by id."""

    type: list[str] = Field(default_factory=lambda: ["Result"])
    result_description: str | None = Field(default=None, alias="resultDescription")
    value: str | None = None
    status: str | None = None
    achieved_level: str | None = Field(default=None, alias="achievedLevel")


class Achievement(_Model):
    """B.1.1."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["Achievement"])
    name: str
    description: str
    criteria: Criteria
    achievement_type: str | None = Field(default=None, alias="achievementType")
    image: Image | None = None
    creator: Profile | None = None
    credits_available: float | None = Field(default=None, alias="creditsAvailable")
    human_code: str | None = Field(default=None, alias="humanCode")
    field_of_study: str | None = Field(default=None, alias="fieldOfStudy")
    tag: list[str] = Field(default_factory=list)
    version: str | None = None
    result_description: list[ResultDescription] = Field(
        default_factory=list, alias="resultDescription"
    )


class IdentityObject(_Model):
    """B.1.12: a salted hash of the learner's email (B.7: sha256$hex(sha256(identity+salt)))."""

    type: str = "IdentityObject"
    hashed: bool = True
    identity_hash: str = Field(alias="identityHash")
    identity_type: str = Field(default="emailAddress", alias="identityType")
    salt: str | None = None


class AchievementSubject(_Model):
    """B.1.3: needs ``id`` (a holder DID) or at least one ``identifier``."""

    id: str | None = None
    type: list[str] = Field(default_factory=lambda: ["AchievementSubject"])
    achievement: Achievement
    identifier: list[IdentityObject] = Field(default_factory=list)
    name: str | None = None
    result: list[Result] = Field(default_factory=list)
    credits_earned: float | None = Field(default=None, alias="creditsEarned")
    activity_start_date: str | None = Field(default=None, alias="activityStartDate")
    activity_end_date: str | None = Field(default=None, alias="activityEndDate")
    narrative: str | None = None


class CredentialSchema(_Model):
    id: str
    type: str


class Evidence(_Model):
    """B.1.9."""

    id: str | None = None
    type: list[str] = Field(default_factory=lambda: ["Evidence"])
    name: str | None = None
    description: str | None = None
    narrative: str | None = None


class OpenBadgeCredential(_Model):
    """B.1.2 AchievementCredential (alias OpenBadgeCredential), unsigned."""

    context: list[str] = Field(default_factory=lambda: list(OB_CONTEXTS), alias="@context")
    id: str
    type: list[str] = Field(default_factory=lambda: ["VerifiableCredential", "OpenBadgeCredential"])
    name: str
    description: str | None = None
    image: Image | None = None
    issuer: Profile
    valid_from: str = Field(alias="validFrom")
    valid_until: str | None = Field(default=None, alias="validUntil")
    awarded_date: str | None = Field(default=None, alias="awardedDate")
    credential_subject: AchievementSubject = Field(alias="credentialSubject")
    evidence: list[Evidence] = Field(default_factory=list)
    credential_schema: list[CredentialSchema] = Field(
        default_factory=list, alias="credentialSchema"
    )
    credential_status: dict[str, Any] | list[dict[str, Any]] | None = Field(
        default=None, alias="credentialStatus"
    )
    related_resource: list[dict[str, Any]] = Field(default_factory=list, alias="relatedResource")


def is_open_badge(credential: dict[str, Any]) -> bool:
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    return any(t in OB_CREDENTIAL_TYPES for t in types)
