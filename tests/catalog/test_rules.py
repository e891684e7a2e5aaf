"""Pure decisions: thresholds, bands, program rules, course keys (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.awards.documents import hash_email
from app.awards.thresholds import (
    Band,
    CourseTerms,
    Verdict,
    band_for,
    decide_on_completion,
    decide_on_grade,
)
from app.catalog.achievements import program_achievement_type
from app.catalog.rules import ElectiveRule, ProgramRules, completion_date, describe, evaluate
from app.catalog.schemas import course_of_run
from app.models import Program

TERMS = CourseTerms(
    0.7, ("verified", "professional"), bands=(Band("Pass", 0.7), Band("Distinction", 0.9))
)


@pytest.mark.parametrize(
    ("grade", "verdict"),
    [
        (0.69, Verdict.NOT_PASSED),
        (0.6999, Verdict.NOT_PASSED),
        (0.7, Verdict.AWARD),
        (0.1 * 7, Verdict.AWARD),  # 0.7000000000000001
        (0.69999999999, Verdict.AWARD),  # float noise from LMS arithmetic
        (0.71, Verdict.AWARD),
        (1.0, Verdict.AWARD),
    ],
)
def test_threshold_edges(grade: float, verdict: Verdict) -> None:
    assert decide_on_grade(TERMS, grade, "verified").verdict == verdict


def test_modes_bands_and_basis() -> None:
    refused = decide_on_grade(TERMS, 0.95, "audit")
    assert refused.verdict == Verdict.REFUSED and '"audit"' in (refused.reason or "")
    assert decide_on_grade(TERMS, 0.5, "audit").verdict == Verdict.NOT_PASSED
    assert decide_on_grade(TERMS, 0.95, "verified").band == "Distinction"
    assert band_for(0.89, TERMS.bands) == "Pass" and band_for(0.5, TERMS.bands) is None
    disabled = CourseTerms(0.7, ("verified",), certificates_enabled=False)
    assert decide_on_grade(disabled, 0.9, "verified").verdict == Verdict.REFUSED
    on_completion = CourseTerms(0.0, ("audit",), certifies_on="completion")
    assert decide_on_grade(on_completion, 1.0, "audit").verdict == Verdict.RECORDED
    assert decide_on_completion(on_completion, True, "audit").verdict == Verdict.AWARD
    assert decide_on_completion(on_completion, False, "audit").verdict == Verdict.NOT_PASSED
    assert decide_on_completion(TERMS, True, "verified").verdict == Verdict.RECORDED


def d(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_program_rules_required_and_electives() -> None:
    rules = ProgramRules(("A", "B"), (ElectiveRule(2, ("C", "D", "E")),))
    progress = evaluate(rules, {"A": d(1), "C": d(2)})
    assert not progress.met
    assert progress.required_remaining == ["B"]
    assert progress.groups[0].needed == 1
    assert progress.remaining == ["B", "D", "E"]
    earned = {"A": d(1), "B": d(9), "C": d(2), "D": d(5), "E": d(3)}
    done = evaluate(rules, earned)
    assert done.met
    assert done.counted == ["A", "B", "C", "E"]  # the two earliest electives count
    assert completion_date(done, earned) == d(9)
    assert describe(rules, {"A": "Alpha"}) == (
        "Earn every required course: Alpha, B; and any 2 of: C, D, E."
    )
    assert ProgramRules.from_json(rules.to_json()) == rules


def test_course_keys_and_types() -> None:
    assert course_of_run("course-v1:Acme+CS101+2026_T1") == "Acme+CS101"
    assert course_of_run("Acme/CS101/2026_T1") == "Acme+CS101"
    assert course_of_run("cs101-spring") == "cs101-spring"
    program = Program(org_id=1, slug="p", title="P", program_type="MicroMasters")
    assert program_achievement_type(program) == "ext:MicroMasters"
    program.program_type = "Professional Certificate"
    assert program_achievement_type(program) == "Certificate"
    program.program_type = "Weekend Bootcamp!"
    assert program_achievement_type(program) == "ext:WeekendBootcamp"
    program.achievement_type = "Diploma"
    assert program_achievement_type(program) == "Diploma"


def test_identity_hash_matches_ob_example() -> None:
    # OB 3.0 B.7: 'a@example.com' salted with 'Kosher'
    assert hash_email("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
