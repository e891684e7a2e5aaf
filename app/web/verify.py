"""The verifier page's view model (GET /verify): whose credential it is, one plain headline
for the outcome, then each check in plain words, in the reader's language.

The verifier's own messages are technical English (they are the API's ``message`` fields);
the page shows a translated sentence per check and leaves those messages to the JSON
disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from app.verification.report import Check, VerificationReport
from app.web.certificate import parse_date
from app.web.i18n import N_, format_date, isolate
from app.web.i18n import gettext as _

#: check name -> heading shown on the page.
TITLES = {
    "data_model": N_("Credential format"),
    "proof": N_("Signature"),
    "issuer_key": N_("Issuer's key"),
    "issuer": N_("Issuer's authority"),
    "validity": N_("Validity period"),
    "schema": N_("Open Badges 3.0 schema"),
    "terms": N_("Vocabulary (JSON-LD terms)"),
    "revocation": N_("Revocation"),
    "suspension": N_("Suspension"),
    "status": N_("Status"),
}

#: (check name, passed) -> what it means, in plain words.
EXPLANATIONS = {
    ("data_model", True): N_("It is a W3C Verifiable Credential."),
    ("data_model", False): N_("It is not a W3C Verifiable Credential this page can read."),
    ("proof", True): N_("The signature matches: nothing was changed since it was issued."),
    ("proof", False): N_("The signature does not match the content: it was changed, or forged."),
    ("issuer_key", True): N_("It was signed with a key the issuer publishes."),
    ("issuer_key", False): N_("The signing key is not one the issuer publishes."),
    ("issuer", True): N_("The issuer named in it is the one who signed it."),
    ("issuer", False): N_("The issuer named in it did not sign it."),
    ("validity", True): N_("It is within its validity period."),
    ("validity", False): N_("It is outside its validity period."),
    ("schema", True): N_("Its content follows the Open Badges 3.0 schema."),
    ("schema", False): N_("Its content does not follow the Open Badges 3.0 schema."),
    ("terms", True): N_("Every term in it has a published meaning."),
    ("terms", False): N_("Some terms in it have no published meaning."),
    ("revocation", True): N_("The issuer has not revoked it."),
    ("revocation", False): N_("The issuer has revoked it."),
    ("suspension", True): N_("The issuer has not suspended it."),
    ("suspension", False): N_("The issuer has suspended it."),
    ("status", True): N_("Its status list says it is in good standing."),
    ("status", False): N_("Its status could not be confirmed."),
}

FORMATS = {
    "ldp_vc": N_("JSON-LD with an embedded proof"),
    "jwt_vc": N_("VC-JWT (compact JWS)"),
    "enveloped_vc": N_("Enveloped VC-JWT (VC-JOSE-COSE)"),
}

_SIGNATURE_CODES = {"PROOF_VERIFICATION_ERROR", "MALFORMED_PROOF_ERROR", "PROOF_EXPIRED_ERROR"}
_KEY_CODES = {"KEY_NOT_FOUND", "ISSUER_KEY_MISMATCH"}
_STATUS_ERRORS = {"STATUS_RETRIEVAL_ERROR", "STATUS_VERIFICATION_ERROR", "STATUS_LIST_LENGTH_ERROR"}


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
    #: "Awarded to Ada by Acme University on 3 May 2026" (None when the credential says none).
    awarded: Markup | None = None
    #: A sentence under the headline saying what the outcome means.
    explanation: str = ""
    #: ``ok``, ``fail`` or ``neutral`` (expired: a fact, not a forgery).
    tone: str = "fail"


def row(check: Check, *, warning: bool = False) -> Row:
    title = _(TITLES[check.name]) if check.name in TITLES else check.name.replace("_", " ")
    state = "warn" if warning else "ok" if check.passed else "fail"
    # A warning is told in its own words: the pass explanation ("Its content follows the
    # schema") beside a warning sign would hide what the warning is about (r15 6).
    explained = None if warning else EXPLANATIONS.get((check.name, check.passed))
    return Row(title, state, _(explained) if explained else check.message, check.code)


def _credential_date(credential: dict[str, Any], *keys: str) -> date | None:
    for key in keys:
        found = parse_date(credential.get(key))
        if found is not None:
            return found
    return None


def _headline(
    report: VerificationReport, credential: dict[str, Any], status_changed: date | None
) -> tuple[str, str, str]:
    """(headline, explanation, tone): the most serious outcome decides, signature first
    (if the content was changed, nothing else it says can be trusted)."""
    if report.verified:
        return (
            _("Verified"),
            _("Signed by its issuer, unchanged since, and not revoked."),
            "ok",
        )
    failed = {c.code or c.name: c for c in report.failed()}
    names = {c.name for c in report.failed()}
    when = format_date(status_changed) if status_changed else None
    if failed.keys() & _SIGNATURE_CODES:
        return (
            _("Changed after it was issued"),
            _("Its signature does not match its content: do not rely on what it says."),
            "fail",
        )
    if "PROOF_MISSING" in failed or not any(c.name == "proof" for c in report.checks):
        unsigned = _("It carries no signature, so anyone could have written it.")
        return _("Not signed"), unsigned, "fail"
    if failed.keys() & _KEY_CODES or names & {"issuer_key", "issuer"}:
        return (
            _("Not signed by the issuer it names"),
            _("The key that signed it does not belong to the issuer it claims."),
            "fail",
        )
    if "REVOKED" in failed:
        headline = _("Revoked on %(date)s", date=when) if when else _("Revoked by its issuer")
        return headline, _("The issuer withdrew it: it no longer counts."), "fail"
    if "SUSPENDED" in failed:
        headline = _("Suspended on %(date)s", date=when) if when else _("Suspended by its issuer")
        return headline, _("The issuer has put it on hold; it may be reinstated."), "fail"
    if "EXPIRED" in failed:
        end = _credential_date(credential, "validUntil", "expirationDate")
        headline = _("Expired on %(date)s", date=format_date(end)) if end else _("Expired")
        return headline, _("It was genuine, and it was valid until then."), "neutral"
    if "NOT_YET_VALID" in failed:
        start = _credential_date(credential, "validFrom", "issuanceDate")
        headline = _("Not valid until %(date)s", date=format_date(start)) if start else ""
        return headline or _("Not valid yet"), _("Its validity period has not begun."), "neutral"
    if failed.keys() & _STATUS_ERRORS or "status" in names:
        return (
            _("Its status could not be checked"),
            _("The signature is fine, but whether it was revoked could not be confirmed."),
            "fail",
        )
    if names & {"data_model", "schema", "terms"}:
        return _("Not a valid credential"), _("It is not in a format this page can verify."), "fail"
    return _("Could not be verified"), _("One or more checks failed; see below."), "fail"


def verdict_view(report: VerificationReport, status_changed: date | None = None) -> VerdictView:
    """The page model: failed checks first, then passed ones, then warnings."""
    credential = report.credential or {}
    failed = report.failed()
    rows = [row(c) for c in failed] + [row(c) for c in report.checks if c.passed]
    rows += [row(w, warning=True) for w in report.warnings]
    headline, explanation, tone = _headline(report, credential, status_changed)
    return VerdictView(
        verified=report.verified,
        headline=headline,
        rows=rows,
        summary=_summary(report),
        awarded=_awarded(credential),
        explanation=explanation,
        tone=tone,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # a language map or {"@value": ...}
        for inner in value.values():
            if isinstance(inner, str) and inner.strip():
                return inner.strip()
    return None


def _subject(credential: dict[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return subject if isinstance(subject, dict) else {}


def _issuer_name(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    return _text(issuer.get("name")) if isinstance(issuer, dict) else None


def _learner_name(subject: dict[str, Any]) -> str | None:
    name = _text(subject.get("name"))
    if name:
        return name
    for identity in subject.get("identifier") or []:  # OB 3.0 IdentityObject, type "name"
        if isinstance(identity, dict) and identity.get("identityType") == "name":
            return _text(identity.get("identityHash"))
    return None


def _sentence(message: str, **values: str) -> Markup:
    """A translated sentence with names isolated (<bdi>: an Arabic name in an English
    sentence, or the other way round, keeps the sentence's order) and escaped."""
    return Markup(_(message)) % {key: isolate(value) for key, value in values.items()}


def _awarded(credential: dict[str, Any]) -> Markup | None:
    """ "Awarded to {name} by {issuer} on {date}", with what the credential says."""
    name = _learner_name(_subject(credential))
    issuer = _issuer_name(credential)
    day = _credential_date(credential, "awardedDate", "validFrom", "issuanceDate")
    when = format_date(day) if day else None
    if name and issuer and when:
        return _sentence(
            N_("Awarded to %(name)s by %(issuer)s on %(date)s"), name=name, issuer=issuer, date=when
        )
    if name and issuer:
        return _sentence(N_("Awarded to %(name)s by %(issuer)s"), name=name, issuer=issuer)
    if issuer and when:
        return _sentence(N_("Awarded by %(issuer)s on %(date)s"), issuer=issuer, date=when)
    if issuer:
        return _sentence(N_("Awarded by %(issuer)s"), issuer=issuer)
    return None


def _summary(report: VerificationReport) -> list[tuple[str, str]]:
    """What the credential says (only shown next to the verdict, never instead of it)."""
    credential = report.credential or {}
    achievement = _subject(credential).get("achievement")
    start = _credential_date(credential, "validFrom", "issuanceDate")
    end = _credential_date(credential, "validUntil", "expirationDate")
    fmt = FORMATS.get(str(report.results.get("format")))
    pairs = [
        (_("Credential"), _text(credential.get("name"))),
        (
            _("Achievement"),
            _text(achievement.get("name")) if isinstance(achievement, dict) else None,
        ),
        (_("Issuer"), _issuer_name(credential)),
        (_("Issuer id"), report.results.get("issuer")),
        (_("Format"), _(fmt) if fmt else None),
        (
            _("Data model"),
            f"VC {report.results['dataModel']}" if report.results.get("dataModel") else None,
        ),
        (_("Valid from"), format_date(start) if start else None),
        (_("Valid until"), format_date(end) if end else None),
    ]
    return [(label, str(value)) for label, value in pairs if value]
