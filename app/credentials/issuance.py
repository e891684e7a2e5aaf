"""Issuance: check the submitted credential, complete it, give it status entries, sign, store.

One unit of work per credential, in a savepoint: the credential row and its status entries
land together or not at all, and the caller's transaction owns the commit. Two concurrent
issuers may draw the same random status index; the unique constraint refuses the second, and
the unit is undone and retried with a new draw (never a reused index).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.budget import WorkBudgetExceeded, work_budget
from app.core.jsonld import JsonLdError, UndefinedTermError
from app.core.vc.models import is_open_badge
from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, SchemaRegistry
from app.core.vocabulary import DATA_INTEGRITY_V2, STATUS_LIST_2021_V1
from app.credentials import repository
from app.credentials.credential_input import DEFAULT_LIMITS, IssueLimits, check_shape, issuer_id
from app.credentials.data_model import check_data_model, is_url
from app.credentials.documents import serialize, timestamp
from app.credentials.signing import (
    DEFAULT_SUITE,
    CredentialSigner,
    OrgSigningContext,
    check_suite,
)
from app.credentials.status_lists import Allocation, StatusListService
from app.db import RetryableConflict, as_utc, retrying
from app.errors import Conflict, InvalidInput, PayloadTooLarge
from app.models import IssuedCredential, Organization
from app.models.enums import CredentialKind, StatusListFormat, StatusPurpose

#: CPU seconds signing one credential may use (its JSON-LD work; ours take a few ms).
DEFAULT_BUDGET_SECONDS = 5.0
_URN_UUID = re.compile(r"^urn:uuid:([0-9a-fA-F-]{36})$")


@dataclass(frozen=True)
class IssueOptions:
    credential_id: str | None = None
    #: The Data Integrity suite of the proof (VC-API ``options.cryptosuite``).
    cryptosuite: str = DEFAULT_SUITE
    #: Add an Ed25519Signature2020 proof too, as a proof set (wallets that verify only it).
    legacy_proof: bool = False


class IndexClash(RetryableConflict):
    """A concurrent issuer took the same status index first: redo the unit of work."""


def status_purposes(org: Organization, open_badge: bool) -> list[str]:
    """OB 3.0's schema allows one credentialStatus object: revocation only, unless the
    organization turned suspension on. Other credentials always carry both."""
    if open_badge and not org.suspension_enabled:
        return [StatusPurpose.REVOCATION]
    return [StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION]


class IssuanceService:
    def __init__(
        self,
        signer: CredentialSigner,
        schemas: SchemaRegistry,
        lists: StatusListService,
        limits: IssueLimits = DEFAULT_LIMITS,
        budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
    ) -> None:
        self.signer = signer
        self.schemas = schemas
        self.lists = lists
        self.limits = limits
        self.budget_seconds = budget_seconds

    def issue(
        self,
        session: Session,
        org: Organization,
        credential: Any,
        options: IssueOptions,
        *,
        client_id: str | None = None,
        kind: str | None = None,
    ) -> IssuedCredential:
        """Sign and store one credential (a savepoint, retried on ``IndexClash``)."""
        version = check_shape(credential, self.limits)
        check_data_model(credential)
        check_suite(options.cryptosuite)
        if options.credential_id is not None and not is_url(options.credential_id):
            raise InvalidInput('"credentialId" must be a single URL', field="options.credentialId")
        if "credentialStatus" in credential:
            raise InvalidInput(
                '"credentialStatus" must not be present: the issuer assigns status entries',
                field="credential.credentialStatus",
            )

        attempts = 0

        def unit() -> IssuedCredential:
            nonlocal attempts
            attempts += 1  # after an index clash, draw only among positions known free
            return self._issue_once(
                session, org, credential, version, options, client_id, kind, attempts > 1
            )

        return retrying(session, unit)

    def _issue_once(
        self,
        session: Session,
        org: Organization,
        credential: dict[str, Any],
        version: int,
        options: IssueOptions,
        client_id: str | None,
        kind: str | None,
        careful: bool = False,
    ) -> IssuedCredential:
        ctx = self.signer.context_for(session, org, options.cryptosuite)
        chosen_id = "id" in credential or options.credential_id is not None
        document = self._complete(credential, version, ctx, options)
        open_badge = is_open_badge(document)
        storage_uuid = self._storage_uuid(document["id"])
        if chosen_id:  # a fresh urn:uuid cannot clash; the unique constraint stays the guard
            self._refuse_duplicate(session, document["id"], storage_uuid)
        fmt = StatusListFormat.BITSTRING if version == 2 else StatusListFormat.SL2021
        allocations = [
            allocation
            for purpose in status_purposes(org, open_badge)
            for allocation in self.lists.allocate(session, org, purpose, fmt, careful=careful)
        ]
        entries = [a.entry_json(self.lists.identity) for a in allocations]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        if fmt == StatusListFormat.SL2021 and STATUS_LIST_2021_V1 not in document["@context"]:
            document["@context"] = [*document["@context"], STATUS_LIST_2021_V1]
        if open_badge:
            # With suspension on, the array of two entries knowingly leaves the OB 3.0 JSON
            # Schema (it allows one object): check everything else against it.
            self._check_schema({**document, "credentialStatus": entries[0]})
        signed = self._sign(document, ctx, options)
        record = IssuedCredential(
            uuid=storage_uuid,
            credential_id=document["id"],
            org_id=org.id,
            key_id=ctx.key.id,
            kind=kind or (CredentialKind.OPEN_BADGE if open_badge else CredentialKind.VC),
            document=serialize(signed),
            issued_by_client=client_id,
            awarded_date=document.get("awardedDate")
            or document.get("validFrom")
            or document.get("issuanceDate"),
            valid_until=_instant(document.get("validUntil") or document.get("expirationDate")),
        )
        self._insert(session, record, allocations, client_id)
        return record

    def _sign(
        self, document: dict[str, Any], ctx: OrgSigningContext, options: IssueOptions
    ) -> dict[str, Any]:
        try:
            with work_budget(self.budget_seconds):
                return self.signer.sign(
                    document, ctx, options.cryptosuite, legacy=options.legacy_proof
                )
        except WorkBudgetExceeded as exc:
            raise PayloadTooLarge(f"credential was not signed: {exc}", field="credential") from None
        except UndefinedTermError as exc:
            raise InvalidInput(str(exc), field="credential", terms=exc.terms) from None
        except JsonLdError as exc:
            raise InvalidInput(
                f"credential is not valid JSON-LD: {exc}", field="credential.@context"
            ) from None

    def _complete(
        self,
        credential: dict[str, Any],
        version: int,
        ctx: OrgSigningContext,
        options: IssueOptions,
    ) -> dict[str, Any]:
        document = dict(credential)
        given_issuer = issuer_id(document)
        if given_issuer is None:
            document["issuer"] = ctx.profile().to_json() if is_open_badge(document) else ctx.did
        elif given_issuer != ctx.did:
            raise InvalidInput(
                f'"issuer" is "{given_issuer}", but this client issues as "{ctx.did}"',
                field="credential.issuer",
            )
        if options.credential_id is not None:
            document["id"] = options.credential_id
        document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
        if version == 2:
            document.setdefault("validFrom", timestamp())
        else:
            document.setdefault("issuanceDate", timestamp())
            contexts = document["@context"]
            contexts = list(contexts) if isinstance(contexts, list) else [contexts]
            if DATA_INTEGRITY_V2 not in contexts:
                # VC Data Integrity §2.4.2: a VC 1.1 document adds the data-integrity context.
                document["@context"] = [*contexts, DATA_INTEGRITY_V2]
        return document

    def _check_schema(self, document: dict[str, Any]) -> None:
        errors = self.schemas.errors(OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, document)
        if errors:
            first = errors[0]
            raise InvalidInput(
                f"Open Badges 3.0 JSON Schema: {first}",
                field="credential" + first.path[1:],
                errors=[str(e) for e in errors[:10]],
            )

    @staticmethod
    def _storage_uuid(credential_id: str) -> str:
        match = _URN_UUID.match(credential_id)
        if match:
            try:
                return str(uuid.UUID(match.group(1)))
            except ValueError:
                pass
        return str(uuid.uuid4())

    @staticmethod
    def _refuse_duplicate(session: Session, credential_id: str, storage_uuid: str) -> None:
        if (
            repository.by_credential_id(session, credential_id) is not None
            or repository.by_uuid(session, storage_uuid) is not None
        ):
            raise Conflict(
                f'a credential with id "{credential_id}" already exists', field="credential.id"
            )

    def _insert(
        self,
        session: Session,
        record: IssuedCredential,
        allocations: list[Allocation],
        client_id: str | None,
    ) -> None:
        """Three plain INSERTs (no unit-of-work flush), then the row joins the session as a
        persistent object: callers may still change it (public_from, renewal_of, ...)."""
        try:
            repository.insert_credential(session, record)
        except IntegrityError:  # a concurrent request stored the same id first
            raise Conflict(
                f'a credential with id "{record.credential_id}" already exists',
                field="credential.id",
            ) from None
        try:
            self.lists.record(session, allocations, record.uuid)
        except IntegrityError:
            raise IndexClash(record.uuid) from None
        repository.insert_issued_event(session, record.uuid, client_id)
        repository.attach(session, record)


def _instant(value: Any) -> datetime | None:
    """A validUntil as stored for queries (expiry reminders); checked on input already."""
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None
