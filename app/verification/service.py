"""The verifier: any OB 3.0 / VC 1.1 / VC 2.0 credential, check by check.

Checks, each named in the report with a stable code when it fails:

- ``data_model``: VC DM 2.0 §4 (or VC 1.1 §4) required properties;
- ``proof``: every embedded Data Integrity proof (VC-DI §4.3-4.4: all must verify) and the
  JWS of a VC-JWT (OB 3.0 §8.2.6); ``issuer_key`` when a key could not be found;
- ``issuer``: the key is listed for ``assertionMethod`` and controlled by the issuer (§8.5);
- ``validity``: ``validFrom``/``validUntil`` (VC DM 2.0 §4.9) or ``issuanceDate``/
  ``expirationDate`` (VC 1.1 §4.8-4.9);
- ``schema``: OB 3.0 JSON Schema when ``credentialSchema`` names it (OB 3.0 §B.1.21);
- ``terms``: JSON-LD safe mode (terms no @context defines are not signed by RDFC proofs);
- ``revocation`` / ``suspension`` / ...: BSL §3.2, StatusList2021, 1EdTechRevocationList.

Invalid is an answer, not an exception: ``verify*`` return a ``VerificationReport``. Only input
that cannot be read at all raises ``SubmissionError`` (the API's 413/422), and so does input
whose JSON-LD work outgrows the CPU budget of one verification (``TooCostly``, 413): the work
stops in its thread at the budget (``app.core.budget``), it never runs on after the answer.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.core.budget import WorkBudgetExceeded, checkpoint, work_budget
from app.core.jsonld import (
    Canonicalizer,
    JsonLdError,
    JsonLdProcessor,
    SafeModeCanonicalizer,
    UndefinedTermError,
)
from app.core.proofs import jose
from app.core.proofs.data_integrity import (
    KEY_NOT_FOUND,
    DataIntegrityEngine,
    KeyResolutionError,
    ProofCheck,
    parse_datetime,
)
from app.core.vc.schema import KNOWN_CREDENTIAL_SCHEMAS, SchemaRegistry
from app.core.vocabulary import VC_V1, VC_V2
from app.credentials import repository as credentials
from app.credentials.status_lists import StatusListService
from app.credentials.visibility import is_hidden, is_public
from app.issuers.identity import IssuerIdentity
from app.verification.clr import check_inner, is_clr
from app.verification.envelopes import envelope_context_problem
from app.verification.fetch import Fetcher, FetchError
from app.verification.keys import KeyResolver, OwnKeyCache, ResolvedKey
from app.verification.presentations import PresentationReport, verify_presentation
from app.verification.report import Check, VerificationReport
from app.verification.status import StatusChecker
from app.verification.submission import (
    Submission,
    SubmissionError,
    TooCostly,
    check_text,
    classify,
    parse_json,
)

ASSERTION_METHOD = "assertionMethod"
#: CPU seconds one verification may spend (our own credentials take about 10 ms).
DEFAULT_BUDGET_SECONDS = 5.0
#: The code of the check a page shows when a stored credential was too costly to verify.
TOO_COSTLY = "VERIFICATION_TOO_COSTLY"
#: What a share link is asked for: the credential itself, not its HTML page.
SHARE_ACCEPT = (
    "application/vc+ld+json, application/vc+jwt;q=0.9, application/ld+json;q=0.9, "
    "application/vc;q=0.9, application/json;q=0.8, text/plain;q=0.5"
)

#: The uuid of one of our credential URLs (anything else is not ours, so looked up as nothing).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_UNDEFINED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "laurel_undefined_terms", default=None
)


class _SafeModeRecorder:
    """RDFC-1.0 that notes terms no @context defines instead of failing (one pass when clean).

    RDFC proofs silently drop undefined terms, so such a property is displayed but not signed;
    the verifier reports it as the ``terms`` check.
    """

    def __init__(self, inner: Canonicalizer, processor: JsonLdProcessor) -> None:
        self.inner = inner
        self.safe = SafeModeCanonicalizer(inner, processor)

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        try:
            return self.safe.canonicalize(document)
        except UndefinedTermError as exc:
            found = _UNDEFINED.get()
            if found is not None:
                found.extend(t for t in exc.terms if t not in found)
            return self.inner.canonicalize(document)


@contextmanager
def _recording_terms() -> Iterator[list[str]]:
    found: list[str] = []
    token = _UNDEFINED.set(found)
    try:
        yield found
    finally:
        _UNDEFINED.reset(token)


class Verifier:
    def __init__(
        self,
        engine: DataIntegrityEngine,
        processor: JsonLdProcessor,
        schemas: SchemaRegistry,
        identity: IssuerIdentity,
        status_lists: StatusListService,
        fetcher: Fetcher | None = None,
        budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
    ) -> None:
        self.budget_seconds = budget_seconds
        self.engine = DataIntegrityEngine(
            processor, _SafeModeRecorder(engine.canonicalizer, processor), engine.suites
        )
        self.processor = processor
        self.schemas = schemas
        self.identity = identity
        self.fetcher = fetcher
        #: our own did:web keys, reused while their organization's key_version holds
        self.own_keys = OwnKeyCache()
        self.status = StatusChecker(
            self.engine, status_lists, self.key_resolver, remote_fetch=self._remote_list
        )

    @contextmanager
    def _within_budget(self) -> Iterator[None]:
        """One CPU budget for the whole verification (status lists included); spent -> 413."""
        try:
            with work_budget(self.budget_seconds):
                yield
        except WorkBudgetExceeded as exc:
            raise TooCostly(str(exc)) from None

    def key_resolver(self, session: Session) -> KeyResolver:
        return KeyResolver(session, self.identity, self.fetcher, self.own_keys)

    def _remote_list(self, session: Session, url: str) -> str:
        if self.fetcher is None:
            raise FetchError(url, "this verifier does not fetch from other hosts")
        fetched = self.fetcher.get(url, accept="application/vc+ld+json, application/json")
        return fetched.text()

    # -- entry points ---------------------------------------------------------------------

    def fetch_submission(self, session: Session, url: str) -> Any:
        """The credential behind a share link: ours from the store, others' via the fetcher.

        Our own URLs obey the credential URL's visibility rule (app/credentials/visibility.py):
        a credential before its certificate available date answers exactly as a missing one,
        so the verifier is neither a way round the embargo nor an oracle of what exists.
        """
        url = url.strip()
        prefix = f"{self.identity.base_url}/credentials/"
        if url.startswith(prefix):
            uuid = url.removeprefix(prefix).split("?")[0].split("#")[0].strip("/").lower()
            record = credentials.by_uuid(session, uuid) if _UUID.fullmatch(uuid) else None
            if record is None or not is_public(record) or is_hidden(session, record):
                raise SubmissionError(f"there is no credential at {url}", field="url")
            return parse_json(record.document, what="the stored credential")
        if self.fetcher is None:
            raise SubmissionError("this verifier does not fetch from other hosts", field="url")
        try:
            fetched = self.fetcher.get(url, accept=SHARE_ACCEPT)
        except FetchError as exc:
            raise SubmissionError(
                f"the credential at {url} could not be fetched: {exc}", field="url"
            ) from None
        text = fetched.text().strip()
        return parse_json(text, what=f"the document at {url}") if text.startswith("{") else text

    def verify_submission(
        self, session: Session, value: Any, now: datetime | None = None
    ) -> VerificationReport:
        """Verify a credential in any accepted form (raises ``SubmissionError`` if unreadable)."""
        submission = value if isinstance(value, Submission) else classify(value)
        if submission.credential is not None:
            return self.verify(session, submission.credential, now)
        assert submission.token is not None
        return self.verify_jwt(
            session, submission.token, now, submission.format, envelope=submission.envelope
        )

    def verify_presentation(
        self,
        session: Session,
        value: Any,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        proof_required: bool = True,
        now: datetime | None = None,
    ) -> PresentationReport:
        """A presentation and every credential in it, under one CPU budget
        (app/verification/presentations.py)."""
        with self._within_budget():
            return verify_presentation(
                self,
                session,
                value,
                challenge=challenge,
                domain=domain,
                proof_required=proof_required,
                now=now,
            )

    def verify_stored(
        self, session: Session, credential: dict[str, Any], now: datetime | None = None
    ) -> VerificationReport:
        """``verify`` for a page showing a stored credential: a spent budget is a failed check
        (the page still renders; its cache keeps the answer like any other)."""
        try:
            return self.verify(session, credential, now)
        except TooCostly as exc:
            report = VerificationReport(credential=credential)
            report.add(Check("proof", False, str(exc), TOO_COSTLY))
            return report

    def verify(
        self, session: Session, credential: dict[str, Any], now: datetime | None = None
    ) -> VerificationReport:
        """A JSON-LD credential secured by embedded Data Integrity proofs."""
        with self._within_budget():
            return self._verify_ldp(session, credential, now)

    def _verify_ldp(
        self, session: Session, credential: dict[str, Any], now: datetime | None, depth: int = 0
    ) -> VerificationReport:
        report = VerificationReport(credential=credential)
        report.results["format"] = "ldp_vc"
        resolver = self.key_resolver(session)
        self._check_data_model(credential, report)
        with _recording_terms() as undefined:
            rdfc = self._check_proofs(credential, report, resolver, required=True)
        self._check_issuer(credential, report, resolver)
        self._finish(session, credential, report, now, undefined if rdfc else None)
        if is_clr(credential):
            self._check_clr(session, credential, report, now, depth)
        return report

    def _check_clr(
        self,
        session: Session,
        credential: dict[str, Any],
        report: VerificationReport,
        now: datetime | None,
        depth: int,
    ) -> None:
        """CLR 2.0: each inner credential verified as if handed alone (verification/clr.py)."""

        def verify_one(value: Any) -> VerificationReport:
            if isinstance(value, str):
                return self._verify_jwt(session, value, now, "jwt_vc")
            return self._verify_ldp(session, value, now, depth + 1)

        check_inner(credential, report, verify_one, depth)

    def verify_jwt(
        self,
        session: Session,
        token: str,
        now: datetime | None = None,
        fmt: str = "jwt_vc",
        *,
        envelope: Mapping[str, Any] | None = None,
    ) -> VerificationReport:
        """A VC-JWT (OB 3.0 §8.2) or VC-JOSE-COSE ``vc+jwt`` token (VC-JOSE-COSE §3.1.1), alone
        or in an ``EnvelopedVerifiableCredential`` (whose ``@context`` is checked, §4.13)."""
        with self._within_budget():
            return self._verify_jwt(session, token, now, fmt, envelope)

    def _verify_jwt(
        self,
        session: Session,
        token: str,
        now: datetime | None,
        fmt: str,
        envelope: Mapping[str, Any] | None = None,
    ) -> VerificationReport:
        report = VerificationReport()
        report.results["format"] = fmt
        if envelope is not None:
            problem = envelope_context_problem(envelope, self.processor.store)
            if problem:
                report.add(Check("data_model", False, problem, "MALFORMED_VALUE_ERROR"))
        resolver = self.key_resolver(session)
        try:
            header, payload = jose.decode_unverified(token)
        except Exception:  # unreadable: verify_vc_jwt names the problem below
            header, payload = {}, {}
        # a NUL or lone surrogate in the header or claims: unreadable, before any key lookup
        check_text({"header": header, "payload": payload}, "verifiableCredential")
        try:
            issuer = _issuer_id(jose.credential_of(payload))
        except Exception:
            issuer = None
        used: list[ResolvedKey] = []

        def resolve(kid: str | None, header: Mapping[str, Any]) -> Any:
            found = resolver.jwt_key(kid, header, issuer)
            used.append(found)
            return found.public_key

        outcome = jose.verify_vc_jwt(token, resolve, now=now)
        report.results["jwt"] = {"header": outcome.header, "profile": outcome.profile}
        credential = outcome.credential
        if not outcome.verified and outcome.code == KEY_NOT_FOUND:
            report.add(Check("issuer_key", False, outcome.message, KEY_NOT_FOUND))
        elif not outcome.verified:
            message = f"the JWT does not verify: {outcome.message}"
            report.add(Check("proof", False, message, outcome.code or "PROOF_VERIFICATION_ERROR"))
        else:
            report.add(Check("proof", True, outcome.message))
        report.results["proof"] = [
            {"type": "JWS", "verified": outcome.verified, "alg": outcome.header.get("alg")}
            | ({"verificationMethod": used[0].id} if used else {})
            | ({"code": outcome.code} if outcome.code else {})
        ]
        if credential is None:
            return report
        report.credential = credential
        self._check_data_model(credential, report)
        with _recording_terms() as undefined:
            rdfc = False
            if "proof" in credential:  # OB 3.0 §8.2.2: an LD proof may sit inside the JWT too
                rdfc = self._check_proofs(credential, report, resolver, required=False)
        if used and outcome.verified:
            self._check_key_authority(used[0], _issuer_id(credential), report)
        self._check_issuer(credential, report, resolver)
        self._finish(session, credential, report, now, undefined if rdfc else None)
        if is_clr(credential):
            self._check_clr(session, credential, report, now, 0)
        return report

    def _finish(
        self,
        session: Session,
        credential: dict[str, Any],
        report: VerificationReport,
        now: datetime | None,
        undefined: list[str] | None,
    ) -> None:
        when = now or datetime.now(UTC)
        self._check_validity(credential, report, when)
        checkpoint(force=True)  # the schema check cannot be stopped once begun
        self._check_schema(credential, report)
        self._check_terms(credential, report, undefined)
        outcomes = self.status.outcomes(session, credential, when)
        for outcome in outcomes:
            report.add(outcome.check)
        report.results["credentialStatus"] = [o.result for o in outcomes]
        report.results["issuer"] = _issuer_id(credential)

    # -- the checks -----------------------------------------------------------------------

    def _check_data_model(self, credential: dict[str, Any], report: VerificationReport) -> None:
        contexts = credential.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        version = {VC_V2: "2.0", VC_V1: "1.1"}.get(first if isinstance(first, str) else "")
        report.results["dataModel"] = version
        problem = _data_model_problem(credential, version)
        if problem:
            report.add(Check("data_model", False, problem, "MALFORMED_VALUE_ERROR"))
            return
        kinds = _types(credential.get("type"))
        kind = next((t for t in kinds if t != "VerifiableCredential"), "VerifiableCredential")
        report.add(Check("data_model", True, f"a VC {version} {kind}"))

    def _check_proofs(
        self,
        credential: dict[str, Any],
        report: VerificationReport,
        resolver: KeyResolver,
        *,
        required: bool,
    ) -> bool:
        """Verify every embedded proof; True when an RDFC-canonicalized suite was run."""
        proofs = credential.get("proof")
        if proofs is None:
            if required:
                report.add(Check("proof", False, "the credential has no proof", "PROOF_MISSING"))
            return False
        try:
            results = self.engine.verify(
                credential, resolver, expected_proof_purpose=ASSERTION_METHOD
            )
        except (JsonLdError, ValueError) as exc:
            report.add(
                Check(
                    "proof",
                    False,
                    f"the proof could not be checked: {exc}",
                    "MALFORMED_PROOF_ERROR",
                )
            )
            return False
        report.results.setdefault("proof", [])
        for result in results:
            report.add(_proof_check(result))
            item: dict[str, Any] = {"verified": result.verified}
            if result.suite:
                item["cryptosuite"] = result.suite
            if result.verification_method:
                item["verificationMethod"] = result.verification_method
            if result.code:
                item["code"] = result.code
            report.results["proof"].append(item)
        suites = self.engine.suites
        return any(
            getattr(suites.get(r.suite or ""), "canonicalization", None) == "rdfc" for r in results
        )

    def _check_issuer(
        self,
        credential: dict[str, Any],
        report: VerificationReport,
        resolver: KeyResolver,
    ) -> None:
        """One assertionMethod proof must be by a key the issuer controls (OB 3.0 §8.5).

        A proof set or chain (VC-DI §4.4-4.5) may add proofs by others (a witness, a notary,
        a ``previousProof`` chain): each must verify (the proof checks), none needs to be the
        issuer's but one; the others are named as warnings.
        """
        issuer_id = _issuer_id(credential)
        proofs = credential.get("proof")
        proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
        found = [
            resolver.resolved[p["verificationMethod"]]
            for p in proofs
            if isinstance(p, dict)
            and p.get("proofPurpose") == ASSERTION_METHOD
            and isinstance(p.get("verificationMethod"), str)
            and p["verificationMethod"] in resolver.resolved
        ]
        if not found:
            return  # no key could be resolved: the issuer_key check already says so
        by_issuer = next((key for key in found if key.controller == issuer_id), found[0])
        self._check_key_authority(by_issuer, issuer_id, report)
        if issuer_id is None or by_issuer.controller != issuer_id:
            return
        for other in found:
            if other.controller != issuer_id:
                report.warn(
                    Check(
                        "issuer",
                        True,
                        f'another proof is by "{other.id}", controlled by "{other.controller}" '
                        "(not the issuer): it verifies as part of the proof set",
                    )
                )

    @staticmethod
    def _check_key_authority(
        found: ResolvedKey, issuer_id: str | None, report: VerificationReport
    ) -> None:
        if issuer_id is None:
            report.add(
                Check("issuer", False, "the credential names no issuer", "MALFORMED_VALUE_ERROR")
            )
            return
        if found.controller != issuer_id:
            report.add(
                Check(
                    "issuer",
                    False,
                    f'the key "{found.id}" is controlled by "{found.controller}", '
                    f'not by the issuer "{issuer_id}"',
                    "ISSUER_KEY_MISMATCH",
                )
            )
            return
        where = {
            "own did:web": "this service's published keys",
            "jwk header": "the issuer's DID document",
        }.get(found.source, found.source)
        note = f" ({found.note})" if found.note else ""
        report.add(
            Check(
                "issuer",
                True,
                f'signed with "{found.id}", a key of the issuer {issuer_id} for '
                f"assertionMethod, found in {where}{note}",
            )
        )

    def _check_validity(
        self, credential: dict[str, Any], report: VerificationReport, now: datetime
    ) -> None:
        v1 = report.results.get("dataModel") == "1.1"
        start_name, end_name = (
            ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
        )
        start_raw = credential.get(start_name) or credential.get(
            "validFrom" if v1 else "issuanceDate"
        )
        end_raw = credential.get(end_name) or credential.get(
            "validUntil" if v1 else "expirationDate"
        )
        start = parse_datetime(start_raw) if start_raw is not None else None
        end = parse_datetime(end_raw) if end_raw is not None else None
        report.results["validFrom"] = {"value": start_raw, "valid": start is None or start <= now}
        report.results["validUntil"] = {"value": end_raw, "valid": end is None or end >= now}
        if (start_raw is not None and start is None) or (end_raw is not None and end is None):
            bad = start_name if start_raw is not None and start is None else end_name
            report.add(
                Check(
                    "validity",
                    False,
                    f'"{bad}" is not an XML Schema dateTime',
                    "MALFORMED_VALUE_ERROR",
                )
            )
            return
        if start and end and start > end:
            report.add(Check("validity", False, f"{start_name} is after {end_name}", "RANGE_ERROR"))
            return
        if start and start > now:
            report.add(Check("validity", False, f"not valid before {start_raw}", "NOT_YET_VALID"))
            return
        if end and end < now:
            report.add(Check("validity", False, f"expired at {end_raw}", "EXPIRED"))
            return
        if start and end:
            message = f"valid from {start_raw} until {end_raw}"
        elif start:
            message = f"valid since {start_raw}, with no expiry"
        elif end:
            message = f"valid until {end_raw}"
        else:
            message = "no validity period is stated"
        report.add(Check("validity", True, message))

    def _check_schema(self, credential: dict[str, Any], report: VerificationReport) -> None:
        schemas = credential.get("credentialSchema")
        schemas = schemas if isinstance(schemas, list) else [schemas] if schemas else []
        results: list[dict[str, Any]] = []
        for entry in schemas:
            schema_id = entry.get("id") if isinstance(entry, dict) else None
            label = KNOWN_CREDENTIAL_SCHEMAS.get(schema_id) if isinstance(schema_id, str) else None
            if label is None or not isinstance(schema_id, str) or schema_id not in self.schemas:
                report.warn(
                    Check("schema", True, f'schema "{schema_id}" is not known here: not checked')
                )
                results.append({"id": schema_id, "checked": False})
                continue
            if report.results.get("dataModel") == "1.1":
                report.warn(
                    Check(
                        "schema",
                        True,
                        "the OB 3.0 JSON Schema describes the VC 2.0 form; this VC 1.1 "
                        "credential was not checked against it",
                    )
                )
                results.append({"id": schema_id, "checked": False})
                continue
            errors = self._schema_errors(schema_id, credential, report)
            results.append({"id": schema_id, "checked": True, "valid": not errors})
            if errors:
                report.add(
                    Check(
                        "schema",
                        False,
                        f"{label} JSON Schema: {errors[0]}",
                        "SCHEMA_VALIDATION_ERROR",
                    )
                )
            else:
                report.add(Check("schema", True, f"valid against the {label} JSON Schema"))
        report.results["credentialSchema"] = results

    def _schema_errors(
        self, schema_id: str, credential: dict[str, Any], report: VerificationReport
    ) -> list[Any]:
        """Schema errors; several ``credentialStatus`` entries (VC DM 2.0 §4.10 allows a list,
        the OB 3.0 schema one object) are each checked in the object's place."""
        entries = credential.get("credentialStatus")
        if not isinstance(entries, list) or not entries:
            return self.schemas.errors(schema_id, credential)
        report.warn(
            Check(
                "schema",
                True,
                f"credentialStatus holds {len(entries)} entries: VC DM 2.0 allows a list, the "
                "OB 3.0 JSON Schema one object, so each entry was checked in its place",
            )
        )
        for entry in entries:
            errors = self.schemas.errors(schema_id, {**credential, "credentialStatus": entry})
            if errors:
                return errors
        return []

    def _check_terms(
        self, credential: dict[str, Any], report: VerificationReport, undefined: list[str] | None
    ) -> None:
        """JSON-LD safe mode: with an RDFC proof an undefined term is unsigned, so it fails."""
        if "@context" not in credential:
            return
        signed_by_rdfc = undefined is not None
        if undefined is None:
            try:
                undefined = self.processor.undefined_terms(credential)
            except JsonLdError as exc:
                report.warn(Check("terms", True, f"JSON-LD terms were not checked: {exc}"))
                return
        if not undefined:
            report.add(Check("terms", True, "every term is defined by the @context (safe mode)"))
            return
        quoted = ", ".join(f'"{t}"' for t in undefined[:10])
        if signed_by_rdfc:
            report.add(
                Check(
                    "terms",
                    False,
                    f"{quoted} not defined by any @context: not covered by the signature",
                    "UNDEFINED_TERMS",
                )
            )
        else:
            report.warn(
                Check(
                    "terms",
                    True,
                    f"{quoted} not defined by any @context (JSON-LD safe mode)",
                    "UNDEFINED_TERMS",
                )
            )


def _proof_check(result: ProofCheck) -> Check:
    if result.code == KEY_NOT_FOUND:
        return Check("issuer_key", False, result.message, KEY_NOT_FOUND)
    return Check("proof", result.verified, result.message, None if result.verified else result.code)


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return issuer if isinstance(issuer, str) else None


def _types(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _data_model_problem(credential: dict[str, Any], version: str | None) -> str | None:
    """The first required property that is missing or wrong (VC DM 2.0 §4; VC 1.1 §4)."""
    if version is None:
        return f'"@context" must start with "{VC_V2}" (VC 2.0) or "{VC_V1}" (VC 1.1)'
    if "VerifiableCredential" not in _types(credential.get("type")):
        return '"type" must include "VerifiableCredential"'
    if _issuer_id(credential) is None:
        return '"issuer" is required: a URL or an object with an "id"'
    if not isinstance(credential.get("credentialSubject"), dict | list):
        return '"credentialSubject" is required'
    if version == "1.1" and "issuanceDate" not in credential:
        return '"issuanceDate" is required in a VC 1.1 credential'
    return None


__all__ = ["KeyResolutionError", "Verifier"]
