"""A verification answer: named checks, each with a stable code and a human sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str  # "proof", "issuer_key", "validity", "schema", "revocation", ...
    passed: bool
    message: str
    code: str | None = None  # stable machine code when it failed, e.g. PROOF_VERIFICATION_ERROR

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "passed": self.passed, "message": self.message}
        if self.code:
            out["code"] = self.code
        return out


@dataclass
class VerificationReport:
    checks: list[Check] = field(default_factory=list)
    warnings: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "warnings": [w.to_json() for w in self.warnings],
            "errors": [c.to_json() for c in self.failed()],
        }
