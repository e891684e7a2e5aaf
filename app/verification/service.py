"""The verifier: proofs, issuer key authority, validity period, OB 3.0 schema.

Invalid is an answer, not an exception: every outcome is a named check in the report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.catalog.identity import IssuerIdentity
from app.core.jsonld import JsonLdError, JsonLdProcessor
from app.core.proofs.data_integrity import DataIntegrityEngine
from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, SchemaRegistry
from app.keystore.keyring import Keyring
from app.status_lists.service import StatusListService
from app.verification.keys import KeyResolver
from app.verification.report import Check, VerificationReport
from app.verification.status import StatusChecker


class Verifier:
    def __init__(
        self,
        engine: DataIntegrityEngine,
        processor: JsonLdProcessor,
        schemas: SchemaRegistry,
        keyring: Keyring,
        identity: IssuerIdentity,
        status_lists: StatusListService,
    ) -> None:
        self.engine = engine
        self.processor = processor
        self.schemas = schemas
        self.keyring = keyring
        self.identity = identity
        self.status = StatusChecker(engine, status_lists, lambda s: KeyResolver(s, identity))

    def verify(
        self, session: Session, credential: dict[str, Any], now: datetime | None = None
    ) -> VerificationReport:
        report = VerificationReport()
        self._check_proofs(session, credential, report)
        self._check_issuer(credential, report)
        self._check_validity(credential, report, now or datetime.now(UTC))
        self._check_schema(credential, report)
        for check in self.status.checks(session, credential):
            report.add(check)
        return report

    def _check_proofs(
        self, session: Session, credential: dict[str, Any], report: VerificationReport
    ) -> None:
        if "proof" not in credential:
            report.add(Check("proof", False, "the credential has no proof", "PROOF_MISSING"))
            return
        try:
            results = self.engine.verify(credential, KeyResolver(session, self.identity))
        except (JsonLdError, ValueError) as exc:
            report.add(
                Check(
                    "proof",
                    False,
                    f"the proof could not be checked: {exc}",
                    "MALFORMED_PROOF_ERROR",
                )
            )
            return
        for result in results:
            name = "issuer_key" if result.code == "KEY_NOT_FOUND" else "proof"
            report.add(
                Check(
                    name, result.verified, result.message, None if result.verified else result.code
                )
            )

    def _check_issuer(self, credential: dict[str, Any], report: VerificationReport) -> None:
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        proofs = credential.get("proof")
        proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
        for proof in proofs:
            vm = proof.get("verificationMethod", "") if isinstance(proof, dict) else ""
            controller = vm.partition("#")[0]
            if controller != issuer_id:
                report.add(
                    Check(
                        "issuer",
                        False,
                        f'the proof key "{vm}" is not controlled by the issuer "{issuer_id}"',
                        "ISSUER_KEY_MISMATCH",
                    )
                )
                return
        if proofs:
            report.add(Check("issuer", True, f"signed by a key of the issuer {issuer_id}"))

    def _check_validity(
        self, credential: dict[str, Any], report: VerificationReport, now: datetime
    ) -> None:
        start = credential.get("validFrom") or credential.get("issuanceDate")
        end = credential.get("validUntil") or credential.get("expirationDate")
        try:
            if start and _parse(start) > now:
                report.add(Check("validity", False, f"not valid before {start}", "NOT_YET_VALID"))
                return
            if end and _parse(end) < now:
                report.add(Check("validity", False, f"expired at {end}", "EXPIRED"))
                return
        except ValueError:
            report.add(
                Check(
                    "validity", False, "validity dates are not date-times", "MALFORMED_VALUE_ERROR"
                )
            )
            return
        report.add(Check("validity", True, "within its validity period"))

    def _check_schema(self, credential: dict[str, Any], report: VerificationReport) -> None:
        schemas = credential.get("credentialSchema")
        schemas = schemas if isinstance(schemas, list) else [schemas] if schemas else []
        for entry in schemas:
            schema_id = entry.get("id") if isinstance(entry, dict) else None
            if schema_id != OB_ACHIEVEMENT_CREDENTIAL_SCHEMA or schema_id not in self.schemas:
                continue
            status = credential.get("credentialStatus")
            if isinstance(status, list) and status:
                # Revocation + suspension entries: a known, deliberate departure from the OB
                # schema (one object only). Say so, and check everything else.
                report.warnings.append(
                    Check(
                        "schema",
                        True,
                        "credentialStatus is an array of entries; the OB 3.0 JSON "
                        "Schema allows one object",
                        "SCHEMA_CREDENTIAL_STATUS_ARRAY",
                    )
                )
                credential = {**credential, "credentialStatus": status[0]}
            errors = self.schemas.errors(schema_id, credential)
            if errors:
                report.add(
                    Check(
                        "schema",
                        False,
                        f"Open Badges 3.0 JSON Schema: {errors[0]}",
                        "SCHEMA_VALIDATION_ERROR",
                    )
                )
            else:
                report.add(Check("schema", True, "valid against the Open Badges 3.0 JSON Schema"))


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
