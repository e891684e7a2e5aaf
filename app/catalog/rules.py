"""Program rules (pure): every required course, plus "any N of" each elective group.

A course is satisfied by any run of it; the caller passes, per course key, the date its
earliest still-valid award was earned. Counting prefers the earliest awards, so a program is
dated when its last needed course was first earned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ElectiveRule:
    choose: int
    courses: tuple[str, ...]


@dataclass(frozen=True)
class ProgramRules:
    required: tuple[str, ...] = ()
    electives: tuple[ElectiveRule, ...] = ()

    @classmethod
    def from_json(cls, rules: Mapping[str, Any]) -> ProgramRules:
        return cls(
            tuple(rules.get("required", ())),
            tuple(
                ElectiveRule(int(g["choose"]), tuple(g["courses"]))
                for g in rules.get("electives", ())
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "required": list(self.required),
            "electives": [{"choose": g.choose, "courses": list(g.courses)} for g in self.electives],
        }

    def courses(self) -> list[str]:
        return list(self.required) + [c for g in self.electives for c in g.courses]


@dataclass(frozen=True)
class GroupProgress:
    choose: int
    courses: tuple[str, ...]
    earned: list[str]
    counted: list[str]

    @property
    def needed(self) -> int:
        return max(0, self.choose - len(self.earned))

    @property
    def met(self) -> bool:
        return self.needed == 0


@dataclass(frozen=True)
class Progress:
    required_earned: list[str]
    required_remaining: list[str]
    groups: list[GroupProgress] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.required_remaining and all(g.met for g in self.groups)

    @property
    def counted(self) -> list[str]:
        """The courses the credential rests on: all required plus ``choose`` per group."""
        return self.required_earned + [c for g in self.groups for c in g.counted]

    @property
    def earned(self) -> list[str]:
        return self.required_earned + [c for g in self.groups for c in g.earned]

    @property
    def remaining(self) -> list[str]:
        """Courses that could still count: missing required ones, and unmet groups' others."""
        out = list(self.required_remaining)
        for g in self.groups:
            if not g.met:
                out.extend(c for c in g.courses if c not in g.earned)
        return out


def evaluate(rules: ProgramRules, earned: Mapping[str, datetime]) -> Progress:
    required_earned = [c for c in rules.required if c in earned]
    required_remaining = [c for c in rules.required if c not in earned]
    groups = []
    for group in rules.electives:
        have = sorted((c for c in group.courses if c in earned), key=lambda c: (earned[c], c))
        groups.append(GroupProgress(group.choose, group.courses, have, have[: group.choose]))
    return Progress(required_earned, required_remaining, groups)


def completion_date(progress: Progress, earned: Mapping[str, datetime]) -> datetime:
    """The program's date: the latest award among the counted courses."""
    return max(earned[c] for c in progress.counted)


def describe(rules: ProgramRules, titles: Mapping[str, str] | None = None) -> str:
    """A criteria narrative: "Earn every required course: A, B; and any 2 of: C, D, E."."""
    titles = titles or {}

    def names(keys: Sequence[str]) -> str:
        return ", ".join(titles.get(k, k) for k in keys)

    parts = []
    if rules.required:
        parts.append(f"every required course: {names(rules.required)}")
    for group in rules.electives:
        parts.append(f"any {group.choose} of: {names(group.courses)}")
    return "Earn " + "; and ".join(parts) + "."
