"""The verifier page's view model: a verdict, then each check in plain words (GET /verify)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.verification.report import Check, VerificationReport

#: check name -> heading shown on the page.
TITLES = {
    "data_model": "Credential format",
    "proof": "Signature",
    "issuer_key": "Issuer's key",
    "issuer": "Issuer's authority",
    "validity": "Validity period",
    "schema": "Open Badges 3.0 schema",
    "terms": "Vocabulary (JSON-LD terms)",
    "revocation": "Revocation",
    "suspension": "Suspension",
    "status": "Status",
}

FORMATS = {
    "ldp_vc": "JSON-LD with an embedded proof",
    "jwt_vc": "VC-JWT (compact JWS)",
    "enveloped_vc": "Enveloped VC-JWT (VC-JOSE-COSE)",
}


@dataclass(frozen=True)
class Row:
    """One line of the page: a heading, ``ok`` / ``fail`` / ``warn``, a sentence, a code."""

    title: str
    state: str
    message: str
    code: str | None = None


@dataclass
class VerdictView:
    verified: bool
    headline: str
    rows: list[Row]
    summary: list[tuple[str, str]] = field(default_factory=list)


def row(check: Check, *, warning: bool = False) -> Row:
    title = TITLES.get(check.name, check.name.replace("_", " ").capitalize())
    state = "warn" if warning else "ok" if check.passed else "fail"
    return Row(title, state, check.message, check.code)


def verdict_view(report: VerificationReport) -> VerdictView:
    """The page model: failed checks first, then passed ones, then warnings."""
    failed = report.failed()
    rows = [row(c) for c in failed] + [row(c) for c in report.checks if c.passed]
    rows += [row(w, warning=True) for w in report.warnings]
    if report.verified:
        headline = "Verified: every check passed."
    else:
        count = len(failed)
        headline = f"Not verified: {count} check{'s' if count != 1 else ''} failed."
    return VerdictView(report.verified, headline, rows, _summary(report))


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _summary(report: VerificationReport) -> list[tuple[str, str]]:
    """What the credential says (only shown next to the verdict, never instead of it)."""
    credential = report.credential or {}
    out: list[tuple[str, str]] = []
    issuer = credential.get("issuer")
    issuer_name = _text(issuer.get("name")) if isinstance(issuer, dict) else None
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    pairs = [
        ("Credential", _text(credential.get("name"))),
        (
            "Achievement",
            _text(achievement.get("name")) if isinstance(achievement, dict) else None,
        ),
        ("Issuer", issuer_name),
        ("Issuer id", report.results.get("issuer")),
        ("Format", FORMATS.get(str(report.results.get("format")))),
        (
            "Data model",
            f"VC {report.results['dataModel']}" if report.results.get("dataModel") else None,
        ),
        ("Valid from", _text(credential.get("validFrom") or credential.get("issuanceDate"))),
        ("Valid until", _text(credential.get("validUntil") or credential.get("expirationDate"))),
    ]
    for label, value in pairs:
        if value:
            out.append((label, str(value)))
    return out
