"""VC-API issuance: check the submitted credential, complete it, sign it, store it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.jsonld import JsonLdError, UndefinedTermError
from app.core.vc.models import is_open_badge
from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, SchemaRegistry
from app.db import utcnow
from app.errors import Conflict, InvalidInput
from app.issuance import repository
from app.issuance.credential_input import check_shape, issuer_id
from app.issuance.signing import CredentialSigner, OrgSigningContext
from app.models import IssuedCredential, Organization

DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
_URN_UUID = re.compile(r"^urn:uuid:([0-9a-fA-F-]{36})$")


@dataclass(frozen=True)
class IssueOptions:
    credential_id: str | None = None


def serialize(document: dict[str, Any]) -> str:
    """The stored form; every read returns exactly these bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def timestamp() -> str:
    return utcnow().isoformat().replace("+00:00", "Z")


class IssuanceService:
    def __init__(self, signer: CredentialSigner, schemas: SchemaRegistry) -> None:
        self.signer = signer
        self.schemas = schemas

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
        version = check_shape(credential)
        ctx = self.signer.context_for(session, org)
        document = self._complete(credential, version, ctx, options)
        open_badge = is_open_badge(document)
        if open_badge:
            self._check_schema(document)
        try:
            signed = self.signer.sign(document, ctx)
        except UndefinedTermError as exc:
            raise InvalidInput(str(exc), field="credential", terms=exc.terms) from None
        except JsonLdError as exc:
            raise InvalidInput(
                f"credential is not valid JSON-LD: {exc}", field="credential.@context"
            ) from None
        record = IssuedCredential(
            uuid=self._storage_uuid(document["id"]),
            credential_id=document["id"],
            org_id=org.id,  # type: ignore[arg-type]
            key_id=ctx.key.id,
            kind=kind or ("open_badge" if open_badge else "vc"),
            document=serialize(signed),
            issued_by_client=client_id,
        )
        return self._store(session, record)

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
            contexts = (
                list(document["@context"])
                if isinstance(document["@context"], list)
                else [document["@context"]]
            )
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
    def _store(session: Session, record: IssuedCredential) -> IssuedCredential:
        if (
            repository.by_credential_id(session, record.credential_id) is not None
            or repository.by_uuid(session, record.uuid) is not None
        ):
            raise Conflict(
                f'a credential with id "{record.credential_id}" already exists',
                field="credential.id",
            )
        session.add(record)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise Conflict(
                f'a credential with id "{record.credential_id}" already exists',
                field="credential.id",
            ) from None
        return record
