"""CLR 2.0 credentials: the inner credentials of a ``ClrSubject`` (CLR 2.0 §B.1.2
``verifiableCredential``) are verified one by one, each as a check of its own.

The outer proof covers the inner credentials as data; it says nothing of whether their issuers
signed them. CLR 2.0 §8 (Verification) asks a verifier to check "each of the credentials in
``verifiableCredential``" as well, so a tampered inner credential fails even under a valid
outer proof, and the report names which one and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.verification.report import Check, VerificationReport

CLR_TYPE = "ClrCredential"
#: A CLR inside a CLR inside a CLR is refused rather than followed further.
MAX_NESTING = 2


def is_clr(credential: dict[str, Any]) -> bool:
    kinds = credential.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return CLR_TYPE in kinds


def inner_credentials(credential: dict[str, Any]) -> list[Any]:
    subject = credential.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if inner is None:
        return []
    return inner if isinstance(inner, list) else [inner]


def _label(value: Any, index: int) -> str:
    ident = value.get("id") if isinstance(value, dict) else None
    return f'"{ident}"' if isinstance(ident, str) else f"#{index}"


def check_inner(
    credential: dict[str, Any],
    report: VerificationReport,
    verify_one: Callable[[Any], VerificationReport],
    depth: int,
) -> None:
    """Adds a check ``verifiableCredential[i]`` per inner credential (and one failed check
    when the CLR holds none, which its schema forbids)."""
    inner = inner_credentials(credential)
    results: list[dict[str, Any]] = []
    if not inner:
        report.add(
            Check(
                "verifiableCredential",
                False,
                "the ClrSubject holds no verifiableCredential",
                "MALFORMED_VALUE_ERROR",
            )
        )
    for index, value in enumerate(inner):
        name = f"verifiableCredential[{index}]"
        if depth >= MAX_NESTING:
            report.add(Check(name, False, "CLRs nested too deep", "MALFORMED_VALUE_ERROR"))
            continue
        if not isinstance(value, dict | str):
            report.add(
                Check(name, False, "not a credential or a compact JWS", "MALFORMED_VALUE_ERROR")
            )
            continue
        sub = verify_one(value)
        failed = sub.failed()
        results.append({"index": index, "verified": sub.verified})
        if sub.verified:
            report.add(Check(name, True, f"inner credential {_label(value, index)} verifies"))
            continue
        why = "; ".join(f"{c.name}: {c.message}" for c in failed) or "no proof was checked"
        code = failed[0].code if failed and failed[0].code else "PROOF_VERIFICATION_ERROR"
        report.add(
            Check(name, False, f"inner credential {_label(value, index)} fails: {why}", code)
        )
    report.results["verifiableCredential"] = results
