"""A verification answer: named checks, each with a stable code and a human sentence.

``to_json`` gives both VC-API answer shapes (VCALM §3.2.2 "Verify Credential"): the older
``{verified, checks, warnings, errors}`` and the newer ``{verified, problemDetails, results}``.
Each problem detail (RFC 9457) has the ``type`` URL the spec defines for its code: VC-DI §4.7
(``https://w3id.org/security#...``), BSL §3.5 (``.../status-list#...``) or VC DM 2.0 §7.2
(``https://www.w3.org/TR/vc-data-model#...``); outcomes no spec names (revoked, expired) get a
``https://laurel.dev/problems/verification#CODE`` type. Each carries the stable ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.vocabulary import SECURITY_ERRORS, STATUS_LIST_ERRORS, VC_DM_ERRORS

#: Outcomes no spec names a problem type for (a revoked or expired credential is an answer).
LAUREL = "https://laurel.dev/problems/verification#"

#: code -> (problem type URL, title). Codes not listed fall back on CRYPTOGRAPHIC_SECURITY_ERROR.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "PARSING_ERROR": (VC_DM_ERRORS + "PARSING_ERROR", "The credential could not be read"),
    "MALFORMED_VALUE_ERROR": (VC_DM_ERRORS + "MALFORMED_VALUE_ERROR", "Malformed value"),
    "RANGE_ERROR": (VC_DM_ERRORS + "RANGE_ERROR", "Value out of range"),
    "SCHEMA_VALIDATION_ERROR": (VC_DM_ERRORS + "MALFORMED_VALUE_ERROR", "Schema validation failed"),
    "UNDEFINED_TERMS": (
        VC_DM_ERRORS + "MALFORMED_VALUE_ERROR",
        "Terms not defined by any @context",
    ),
    "NOT_YET_VALID": (LAUREL + "NOT_YET_VALID", "Not yet valid"),
    "EXPIRED": (LAUREL + "EXPIRED", "Expired"),
    "PROOF_MISSING": (VC_DM_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR", "No proof"),
    "ISSUER_KEY_MISMATCH": (
        VC_DM_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR",
        "Key not controlled by the issuer",
    ),
    "KEY_NOT_FOUND": (SECURITY_ERRORS + "INVALID_VERIFICATION_METHOD", "Issuer key not found"),
    "PROOF_VERIFICATION_ERROR": (
        SECURITY_ERRORS + "PROOF_VERIFICATION_ERROR",
        "Signature not valid",
    ),
    "MALFORMED_PROOF_ERROR": (SECURITY_ERRORS + "MALFORMED_PROOF_ERROR", "Malformed proof"),
    "PROOF_EXPIRED_ERROR": (SECURITY_ERRORS + "PROOF_EXPIRED_ERROR", "Proof expired"),
    "INVALID_CHALLENGE_ERROR": (
        SECURITY_ERRORS + "INVALID_CHALLENGE_ERROR",
        "The proof does not carry the challenge",
    ),
    "INVALID_DOMAIN_ERROR": (
        SECURITY_ERRORS + "INVALID_DOMAIN_ERROR",
        "The proof is not bound to the domain",
    ),
    "HOLDER_MISMATCH": (
        VC_DM_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR",
        "Presentation not signed by its holder",
    ),
    "REVOKED": (LAUREL + "REVOKED", "Revoked"),
    "SUSPENDED": (LAUREL + "SUSPENDED", "Suspended"),
    "STATUS_SET": (LAUREL + "STATUS_SET", "Status set"),
    "STATUS_RETRIEVAL_ERROR": (STATUS_LIST_ERRORS + "STATUS_RETRIEVAL_ERROR", "Status unavailable"),
    "STATUS_VERIFICATION_ERROR": (
        STATUS_LIST_ERRORS + "STATUS_VERIFICATION_ERROR",
        "Status could not be verified",
    ),
    "STATUS_LIST_LENGTH_ERROR": (
        STATUS_LIST_ERRORS + "STATUS_LIST_LENGTH_ERROR",
        "Status list too short",
    ),
    "VERIFICATION_TOO_COSTLY": (LAUREL + "VERIFICATION_TOO_COSTLY", "Too costly to verify"),
}


def problem_type(code: str) -> tuple[str, str]:
    """(type URL, title) of a check code."""
    return PROBLEM_TYPES.get(
        code, (VC_DM_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR", code.replace("_", " ").capitalize())
    )


@dataclass(frozen=True)
class Check:
    name: str  # "proof", "issuer_key", "issuer", "validity", "schema", "revocation", ...
    passed: bool
    message: str
    code: str | None = None  # stable machine code when it failed, e.g. PROOF_VERIFICATION_ERROR

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "passed": self.passed, "message": self.message}
        if self.code:
            out["code"] = self.code
        return out

    def problem(self) -> dict[str, Any]:
        """This check as an RFC 9457 problem detail (VC DM 2.0 §7.2)."""
        code = self.code or "CRYPTOGRAPHIC_SECURITY_ERROR"
        type_url, title = problem_type(code)
        return {"type": type_url, "title": title, "detail": self.message, "code": code}


@dataclass
class VerificationReport:
    checks: list[Check] = field(default_factory=list)
    warnings: list[Check] = field(default_factory=list)
    #: VCALM ``results``: what was found (format, issuer, validity, proofs, schemas, status).
    results: dict[str, Any] = field(default_factory=dict)
    #: The credential as verified (the payload of a VC-JWT), for display.
    credential: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return (
            bool(self.checks)
            and all(c.passed for c in self.checks)
            and any(c.name == "proof" for c in self.checks)
        )

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def warn(self, check: Check) -> None:
        self.warnings.append(check)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "warnings": [w.to_json() for w in self.warnings],
            "errors": [c.to_json() for c in self.failed()],
            "problemDetails": [c.problem() for c in self.failed()]
            + [w.problem() for w in self.warnings if w.code],
            "results": self.results,
        }
