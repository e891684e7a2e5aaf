"""API models of LMS events (grades, completions), their outcomes, and learner records.

Events ignore fields they do not know (LMSs send more than Laurel needs); what they do carry
is checked, and a bad value is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.models.enums import CredentialKind
from app.models.fields import Email, Grade, HolderDid, LearnerName, LmsId

MAX_BATCH = 1000

EventId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RunKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Mode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$"
    ),
]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LearnerRef(_Event):
    """The learner as the LMS sends them; name, email and DID update the stored learner."""

    id: LmsId
    name: LearnerName | None = None
    email: Email = None
    holder_did: HolderDid = None


class GradeEventIn(_Event):
    event_id: EventId
    learner: LearnerRef
    course_run: RunKey
    percent_grade: Grade = Field(description="0 to 1 (0.87 is 87%)")
    letter_grade: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    mode: Mode
    timestamp: AwareDatetime = Field(description="When the LMS computed the grade (with a zone)")


class CompletionEventIn(_Event):
    event_id: EventId
    learner: LearnerRef
    course_run: RunKey
    mode: Mode
    timestamp: AwareDatetime
    completed: bool = True


class GradeBatchIn(BaseModel):
    events: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]


class CredentialRef(BaseModel):
    id: str
    uuid: str
    url: str
    status: str


class ProgramOutcome(BaseModel):
    program: str
    status: Literal["awarded", "failed"]
    reason: str | None = None
    credential: CredentialRef | None = None


Status = Literal["awarded", "already_awarded", "not_passed", "refused", "recorded"]


class EventOutcome(BaseModel):
    """What Laurel did with one event.

    ``awarded``: a course credential was issued now (a first award, or a renewal of one that
    expired or is in its renewal window: ``reason`` names the credential renewed);
    ``already_awarded``: one exists (this event changes nothing about it); ``not_passed``;
    ``refused`` (passing, but not eligible: the reason says why); ``recorded`` (stored, but
    this run certifies on the other basis).
    ``stale``: a newer grade was already stored, so this one was not (it may still award).
    """

    event_id: str
    learner: str
    course_run: str
    status: Status
    reason: str | None = None
    stale: bool = False
    credential: CredentialRef | None = None
    programs: list[ProgramOutcome] = Field(default_factory=list)


class BatchItem(BaseModel):
    index: int
    event_id: str | None = None
    status: int
    outcome: EventOutcome | None = None
    error: dict[str, Any] | None = None


class BatchOut(BaseModel):
    results: list[BatchItem]
    summary: dict[str, int]


#: The kinds of credential a learner's record lists.
AwardKind = Literal[CredentialKind.COURSE, CredentialKind.PROGRAM]


class LearnerCredential(BaseModel):
    id: str = Field(description="The credential's id (urn:uuid:...)")
    uuid: str
    kind: AwardKind
    status: str
    status_reason: str | None = None
    course_run: str | None = None
    course: str | None = None
    program: str | None = None
    title: str
    awarded_date: str | None
    issued_at: datetime
    public_from: datetime | None = None
    url: str
    grade: float | None = None
    band: str | None = None


class LearnerGrade(BaseModel):
    """The stored (newest) grade and completion of a learner in one course run."""

    course_run: str
    course: str
    percent_grade: float | None
    letter_grade: str | None
    mode: str | None
    graded_at: datetime | None
    completed: bool
    completed_at: datetime | None
    awarded: bool


class ElectiveProgress(BaseModel):
    choose: int
    courses: list[str]
    earned: list[str]
    needed: int


class RuleProgress(BaseModel):
    required: list[str]
    required_earned: list[str]
    required_remaining: list[str]
    electives: list[ElectiveProgress]


class LearnerProgram(BaseModel):
    program: str
    title: str
    program_type: str | None
    completed: bool = Field(description="The rules are met by the learner's valid credentials")
    earned: list[str] = Field(description="Courses of the program the learner has earned")
    remaining: list[str] = Field(description="Courses that could still count")
    rules: RuleProgress
    credential: LearnerCredential | None = None


class AuditOut(BaseModel):
    at: datetime
    actor: str | None
    action: str
    kind: str
    learner: str | None
    course_run: str | None
    program: str | None
    credential_uuid: str | None
    event_id: str | None
    reason: str | None
