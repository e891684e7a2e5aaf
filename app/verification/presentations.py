"""Verifying a presentation (VC-API ``POST /presentations/verify``): its own proof, then each
credential inside it exactly as ``POST /credentials/verify`` checks one.

Accepted forms:

- a JSON-LD ``VerifiablePresentation`` (VC DM 2.0 §5.1, VC 1.1 §4.10) with embedded Data
  Integrity proofs, each with ``proofPurpose`` ``authentication`` (VC-DI §4.3; the holder
  proves control), ``challenge`` and ``domain`` checked when the caller gives them;
- a compact JWS: VC-JOSE-COSE §3.2 ``vp+jwt`` (the payload is the presentation) or VC-JWT 1.1
  (the ``vp`` claim, ``iss`` = holder), ``nonce`` = challenge and ``aud`` = domain;
- an ``EnvelopedVerifiablePresentation`` (VC DM 2.0 §5.13) holding
  ``data:application/vp+jwt,<jws>``, its own ``@context`` checked as for credentials;
- a presentation without proof, when asked for one (VC-API ``ProoflessVerifyPresentation``).

Credentials inside may be JSON-LD objects, VC-JWT strings or EnvelopedVerifiableCredentials.
When the presentation names a ``holder``, a proof must be by a key the holder controls.
Whether the credentials' subjects are the holder is a business rule the caller judges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlmodel import Session

from app.core.jsonld import JsonLdError
from app.core.proofs import jose
from app.core.proofs.data_integrity import KEY_NOT_FOUND, ProofCheck
from app.core.vocabulary import VC_V1, VC_V2
from app.verification.envelopes import envelope_context_problem
from app.verification.keys import ResolvedKey
from app.verification.report import Check, VerificationReport
from app.verification.submission import SubmissionError, check_shape

if TYPE_CHECKING:
    from app.verification.service import Verifier

AUTHENTICATION = "authentication"
ENVELOPED_VP = "EnvelopedVerifiablePresentation"
_VP_MEDIA = ("application/vp+jwt", "application/vp-ld+jwt", "application/jwt")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass
class PresentationReport:
    """The presentation's own checks and one report per credential inside it."""

    presentation: VerificationReport
    credentials: list[VerificationReport] = field(default_factory=list)
    proof_required: bool = True

    @property
    def presentation_verified(self) -> bool:
        report = self.presentation
        if not self.proof_required:
            return bool(report.checks) and not report.failed()
        return report.verified

    @property
    def verified(self) -> bool:
        return self.presentation_verified and all(c.verified for c in self.credentials)

    def to_json(self) -> dict[str, Any]:
        """VC-API's answer: ``presentationResult`` and ``credentialResults`` (the report of
        each credential as ``/credentials/verify`` gives it), and at the top the checks of
        the presentation plus one failed ``credential`` check per credential that fails."""
        presentation = self.presentation.to_json() | {"verified": self.presentation_verified}
        summary = VerificationReport(
            checks=list(self.presentation.checks), warnings=list(self.presentation.warnings)
        )
        results: list[dict[str, Any]] = []
        for index, report in enumerate(self.credentials):
            credential = report.credential or {}
            credential_id = credential.get("id") if isinstance(credential, dict) else None
            entry = report.to_json()
            if isinstance(credential_id, str):
                entry["credentialId"] = credential_id
            results.append(entry)
            if not report.verified:
                first = next(iter(report.failed()), None)
                name = f'"{credential_id}"' if isinstance(credential_id, str) else f"#{index}"
                reason = first.message if first else "it has no proof"
                summary.add(
                    Check(
                        "credential",
                        False,
                        f"credential {name} does not verify: {reason}",
                        first.code if first and first.code else "PROOF_VERIFICATION_ERROR",
                    )
                )
        body = summary.to_json()
        body["verified"] = self.verified
        body["results"] = dict(self.presentation.results) | {"credentials": len(results)}
        body["presentationResult"] = presentation
        body["credentialResults"] = results
        return body


def verify_presentation(
    verifier: Verifier,
    session: Session,
    value: Any,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    proof_required: bool = True,
    now: datetime | None = None,
) -> PresentationReport:
    """Verify a presentation in any accepted form (``SubmissionError`` when unreadable)."""
    report = VerificationReport()
    results = report.results
    if challenge is not None:
        results["challenge"] = {"input": challenge, "valid": False}
    if domain is not None:
        results["domain"] = {"input": domain, "valid": False}
    token, envelope = _token_of(value)
    if token is not None:
        results["format"] = "enveloped_vp" if envelope is not None else "jwt_vp"
        if envelope is not None:
            problem = envelope_context_problem(envelope, verifier.processor.store, ENVELOPED_VP)
            if problem:
                report.add(Check("data_model", False, problem, "MALFORMED_VALUE_ERROR"))
        presentation = _verify_jwt_vp(verifier, session, token, report, challenge, domain)
    else:
        results["format"] = "ldp_vp"
        presentation = value
        _verify_ldp_vp(verifier, session, value, report, challenge, domain, proof_required)
    if presentation is None:
        return PresentationReport(report, [], proof_required)
    report.credential = presentation
    _check_data_model(presentation, report)
    credentials = [
        _verify_credential(verifier, session, item, now)
        for item in _as_list(presentation.get("verifiableCredential"))
    ]
    return PresentationReport(report, credentials, proof_required)


# -- the presentation's form and proof ---------------------------------------------------------


def _token_of(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(compact JWS, envelope) for a JWT presentation; (None, None) for a JSON-LD one."""
    field_name = "verifiablePresentation"
    if isinstance(value, str):
        text = value.strip()
        if not _COMPACT_JWS.match(text):
            raise SubmissionError(
                f'"{field_name}" must be a JSON object or a compact JWS', field=field_name
            )
        return text, None
    if not isinstance(value, dict):
        raise SubmissionError(
            f'"{field_name}" must be a JSON object or a compact JWS string', field=field_name
        )
    if ENVELOPED_VP not in _types(value.get("type")):
        return None, None
    data_url = value.get("id")
    where = f"{field_name}.id"
    if not isinstance(data_url, str) or not data_url.startswith("data:"):
        raise SubmissionError(f'"{where}" of an {ENVELOPED_VP} must be a data: URL', field=where)
    media, sep, payload = data_url[len("data:") :].partition(",")
    media_type = media.split(";")[0].strip().lower()
    if not sep or media_type not in _VP_MEDIA or ";base64" in media.lower():
        raise SubmissionError(
            f'"{where}" must be "data:application/vp+jwt,<compact JWS>", not "{media}"',
            field=where,
        )
    token = unquote(payload).strip()
    if not _COMPACT_JWS.match(token):
        raise SubmissionError(f'"{where}" does not hold a compact JWS', field=where)
    return token, value


def _verify_ldp_vp(
    verifier: Verifier,
    session: Session,
    presentation: dict[str, Any],
    report: VerificationReport,
    challenge: str | None,
    domain: str | None,
    proof_required: bool,
) -> None:
    """Every embedded proof must verify for ``authentication`` (VC-DI §4.3-4.4)."""
    if "proof" not in presentation:
        if proof_required:
            report.add(Check("proof", False, "the presentation has no proof", "PROOF_MISSING"))
        return
    resolver = verifier.key_resolver(session)
    try:
        checks = verifier.engine.verify(
            presentation,
            resolver,
            expected_proof_purpose=AUTHENTICATION,
            domain=domain,
            challenge=challenge,
        )
    except (JsonLdError, ValueError) as exc:
        message = f"the presentation's proof could not be checked: {exc}"
        report.add(Check("proof", False, message, "MALFORMED_PROOF_ERROR"))
        return
    report.results["proof"] = [_proof_result(c) for c in checks]
    for check in checks:
        report.add(_as_check(check))
    _note_binding(report, bool(checks) and all(c.verified for c in checks), challenge, domain)
    proofs = [p for p in _as_list(presentation.get("proof")) if isinstance(p, dict)]
    keys = [
        resolver.resolved[p["verificationMethod"]]
        for p in proofs
        if isinstance(p.get("verificationMethod"), str)
        and p["verificationMethod"] in resolver.resolved
    ]
    _check_holder(presentation, keys, report)


def _verify_jwt_vp(
    verifier: Verifier,
    session: Session,
    token: str,
    report: VerificationReport,
    challenge: str | None,
    domain: str | None,
) -> dict[str, Any] | None:
    """A VP as a JWS: the holder's signature, ``nonce`` and ``aud`` when asked for."""
    resolver = verifier.key_resolver(session)
    try:
        _, unverified = jose.decode_unverified(token)
        holder = _holder_id(jose.presentation_of(unverified))
    except Exception:  # unreadable: verify_jws names the problem below
        holder = None
    used: list[ResolvedKey] = []

    def resolve(kid: str | None, header: Mapping[str, Any]) -> Any:
        found = resolver.jwt_key(kid, header, holder, AUTHENTICATION)
        used.append(found)
        return found.public_key

    outcome = jose.verify_jws(token, resolve)
    report.results["jwt"] = {"header": outcome.header}
    report.results["proof"] = [
        {"type": "JWS", "verified": outcome.verified, "alg": outcome.header.get("alg")}
        | ({"verificationMethod": used[0].id} if used else {})
        | ({"code": outcome.code} if outcome.code else {})
    ]
    if not outcome.verified or outcome.payload is None:
        code = outcome.code or "PROOF_VERIFICATION_ERROR"
        name = "issuer_key" if code == KEY_NOT_FOUND else "proof"
        report.add(Check(name, False, f"the presentation's JWT: {outcome.message}", code))
        return None
    payload = outcome.payload
    problem = _jwt_binding_problem(payload, challenge, domain)
    if problem is not None:
        report.add(Check("proof", False, problem[1], problem[0]))
    else:
        report.add(Check("proof", True, f"the presentation's {outcome.message}"))
    _note_binding(report, problem is None, challenge, domain)
    presentation = jose.presentation_of(payload)
    _check_holder(presentation, used[:1], report)
    return presentation


def _jwt_binding_problem(
    payload: Mapping[str, Any], challenge: str | None, domain: str | None
) -> tuple[str, str] | None:
    if challenge is not None and payload.get("nonce") != challenge:
        return "INVALID_CHALLENGE_ERROR", 'the JWT "nonce" is not the expected challenge'
    if domain is not None and domain not in _as_list(payload.get("aud")):
        return "INVALID_DOMAIN_ERROR", f'the JWT "aud" does not name the domain "{domain}"'
    return None


def _note_binding(
    report: VerificationReport, valid: bool, challenge: str | None, domain: str | None
) -> None:
    """VC-API ``results.challenge`` / ``results.domain``: valid across all proofs."""
    if challenge is not None:
        report.results["challenge"]["valid"] = valid
    if domain is not None:
        report.results["domain"]["valid"] = valid


def _check_holder(
    presentation: Mapping[str, Any], keys: list[ResolvedKey], report: VerificationReport
) -> None:
    """When a holder is named, one proof must be by a key it controls (VC DM 2.0 §5.1)."""
    holder = _holder_id(presentation)
    if holder is None:
        return
    valid = any(key.controller == holder for key in keys)
    report.results["holder"] = {"input": holder, "valid": valid}
    if not keys:
        return  # no key was resolved: the failed proof check says why
    if valid:
        report.add(Check("holder", True, f"signed by the holder {holder}"))
        return
    report.add(
        Check(
            "holder",
            False,
            f'the presentation is signed with "{keys[0].id}", controlled by '
            f'"{keys[0].controller}", not by the holder "{holder}"',
            "HOLDER_MISMATCH",
        )
    )


def _check_data_model(presentation: Mapping[str, Any], report: VerificationReport) -> None:
    """VC DM 2.0 §5.1 (VC 1.1 §4.10): the context, the type, credentials as objects or JWTs."""
    contexts = presentation.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    version = {VC_V2: "2.0", VC_V1: "1.1"}.get(first if isinstance(first, str) else "")
    report.results["dataModel"] = version
    credentials = _as_list(presentation.get("verifiableCredential"))
    problem = None
    if version is None:
        problem = f'"@context" must start with "{VC_V2}" (VC 2.0) or "{VC_V1}" (VC 1.1)'
    elif "VerifiablePresentation" not in _types(presentation.get("type")):
        problem = '"type" must include "VerifiablePresentation"'
    elif "holder" in presentation and _holder_id(presentation) is None:
        problem = '"holder" must be a URL or an object with an "id"'
    elif any(not isinstance(c, dict | str) for c in credentials):
        problem = '"verifiableCredential" holds something that is not a credential'
    if problem:
        report.add(Check("data_model", False, problem, "MALFORMED_VALUE_ERROR"))
        return
    message = f"a VC {version} VerifiablePresentation holding {len(credentials)} credential(s)"
    report.add(Check("data_model", True, message))


def _verify_credential(
    verifier: Verifier, session: Session, item: Any, now: datetime | None
) -> VerificationReport:
    """One credential of the presentation, as ``/credentials/verify`` checks it."""
    try:
        check_shape(item, what="a presented credential")
        return verifier.verify_submission(session, item, now)
    except SubmissionError as exc:
        if exc.status == 413:
            raise
        report = VerificationReport(credential=item if isinstance(item, dict) else None)
        report.add(Check("data_model", False, str(exc), "PARSING_ERROR"))
        return report


# -- small helpers -----------------------------------------------------------------------------


def _as_check(result: ProofCheck) -> Check:
    if result.code == KEY_NOT_FOUND:
        return Check("issuer_key", False, result.message, KEY_NOT_FOUND)
    code = None if result.verified else result.code
    return Check("proof", result.verified, result.message, code)


def _proof_result(result: ProofCheck) -> dict[str, Any]:
    item: dict[str, Any] = {"verified": result.verified}
    if result.suite:
        item["cryptosuite"] = result.suite
    if result.verification_method:
        item["verificationMethod"] = result.verification_method
    if result.code:
        item["code"] = result.code
    return item


def _holder_id(presentation: Mapping[str, Any]) -> str | None:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, Mapping) else holder
    return holder if isinstance(holder, str) else None


def _types(value: Any) -> list[str]:
    return [v for v in _as_list(value) if isinstance(v, str)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
