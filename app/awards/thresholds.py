"""Award decisions for one course run: pure functions over the run's terms and one event.

A grade at the threshold passes (``>=``); a tiny tolerance absorbs float noise from LMS
arithmetic (0.7 computed as 0.69999999999 still passes), never a real shortfall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

EPSILON = 1e-9


class Verdict(StrEnum):
    AWARD = "award"
    NOT_PASSED = "not_passed"
    REFUSED = "refused"
    RECORDED = "recorded"


@dataclass(frozen=True)
class Band:
    name: str
    min_grade: float


@dataclass(frozen=True)
class CourseTerms:
    passing_grade: float
    certificate_modes: Sequence[str]
    certifies_on: str = "grade"
    certificates_enabled: bool = True
    bands: Sequence[Band] = ()


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str | None = None
    band: str | None = None


def passes(grade: float, passing_grade: float) -> bool:
    return grade + EPSILON >= passing_grade


def band_for(grade: float, bands: Sequence[Band]) -> str | None:
    """The highest band the grade reaches, or None below every band."""
    reached = [b for b in bands if passes(grade, b.min_grade)]
    return max(reached, key=lambda b: b.min_grade).name if reached else None


def percent_text(fraction: float) -> str:
    """0.875 -> "87.5": the OB Percent result value (0-100)."""
    return f"{round(fraction * 100, 2):g}"


def _eligibility(terms: CourseTerms, mode: str) -> str | None:
    if not terms.certificates_enabled:
        return "certificates are disabled for this course run"
    if mode not in terms.certificate_modes:
        eligible = ", ".join(terms.certificate_modes) or "none"
        return f'enrolment mode "{mode}" is not certificate-eligible (eligible: {eligible})'
    return None


def decide_on_grade(terms: CourseTerms, grade: float, mode: str) -> Decision:
    if terms.certifies_on != "grade":
        return Decision(Verdict.RECORDED, "this course run certifies on completion, not on grade")
    if not passes(grade, terms.passing_grade):
        return Decision(
            Verdict.NOT_PASSED,
            f"grade {percent_text(grade)}% is below the passing grade "
            f"{percent_text(terms.passing_grade)}%",
        )
    refusal = _eligibility(terms, mode)
    if refusal is not None:
        return Decision(Verdict.REFUSED, refusal)
    return Decision(Verdict.AWARD, band=band_for(grade, terms.bands))


def decide_on_completion(
    terms: CourseTerms, completed: bool, mode: str, grade: float | None = None
) -> Decision:
    if terms.certifies_on != "completion":
        return Decision(Verdict.RECORDED, "this course run certifies on grade, not on completion")
    if not completed:
        return Decision(Verdict.NOT_PASSED, "the course run is not completed")
    refusal = _eligibility(terms, mode)
    if refusal is not None:
        return Decision(Verdict.REFUSED, refusal)
    band = band_for(grade, terms.bands) if grade is not None else None
    return Decision(Verdict.AWARD, band=band)
