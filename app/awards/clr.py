"""CLR 2.0 (Comprehensive Learner Record) credentials of a learner's record.

A ``ClrCredential`` (CLR 2.0 §B.1.1) whose ``ClrSubject`` (§B.1.2) holds the learner's signed
Open Badges credentials, unchanged, in ``verifiableCredential``: each program credential with
the course credentials it counted, then the courses no program counted. Each course
achievement ``isChildOf`` its program's achievement (§B.1.3 ``Association``; the enumeration
is §B.2.1 AssociationType). The CLR is signed by the organization like its OB credentials
(eddsa-rdfc-2022), so a verifier checks the outer proof and each inner credential's own.

Only credentials that are valid and public now go in: a record is shared, so it holds what
the public credential URLs would show.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.awards import repository
from app.core.vc.schema import CLR_CREDENTIAL_SCHEMA as CLR_SCHEMA
from app.core.vc.schema import OB_SCHEMA_TYPE
from app.credentials.documents import timestamp
from app.credentials.signing import CredentialSigner
from app.db import as_utc
from app.issuers import repository as orgs
from app.models import IssuedCredential, Learner
from app.models.enums import CredentialStatus

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_MEDIA_TYPE = "application/vc+ld+json"


def _shown(record: IssuedCredential, now: datetime) -> bool:
    if record.status != CredentialStatus.ACTIVE or record.superseded_by:
        return False
    return record.public_from is None or as_utc(record.public_from) <= now


def _achievement_id(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    value = achievement.get("id") if isinstance(achievement, dict) else None
    return value if isinstance(value, str) else None


@dataclass
class RecordContents:
    """The inner credentials of one learner's CLR, in order, and their associations."""

    credentials: list[dict[str, Any]] = field(default_factory=list)
    associations: list[dict[str, str]] = field(default_factory=list)

    def fingerprint(self) -> str:
        ids = "\n".join(str(c.get("id")) for c in self.credentials)
        return hashlib.sha256(ids.encode()).hexdigest()


def record_contents(
    session: Session,
    learner: Learner,
    now: datetime | None = None,
    *,
    leave_out: Callable[[set[str]], set[str]] | None = None,
) -> RecordContents:
    """The learner's shown credentials: each program's, the courses it counted, the rest.
    ``leave_out`` maps the candidate uuids to those to omit (credentials the learner hid from
    others, for a record others read)."""
    now = now or datetime.now(UTC)
    out = RecordContents()
    programs = repository.program_awards_of(session, learner.id)
    courses = repository.course_awards_of(session, learner.id)
    candidates = {r.uuid for *_, r in programs} | {r.uuid for *_, r in courses}
    placed: set[str] = set(leave_out(candidates)) if leave_out else set()

    def add(record: IssuedCredential) -> dict[str, Any] | None:
        if record.uuid in placed or not _shown(record, now):
            return None
        placed.add(record.uuid)
        document: dict[str, Any] = json.loads(record.document)
        out.credentials.append(document)
        return document

    for award, _program, record in programs:
        program_doc = add(record)
        if program_doc is None:
            continue
        target = _achievement_id(program_doc)
        for _, _course, course_record in repository.counted_course_awards(session, award.id):
            course_doc = add(course_record)
            source = _achievement_id(course_doc) if course_doc else None
            if source and target:
                out.associations.append(
                    {
                        "type": "Association",
                        "associationType": "isChildOf",
                        "sourceId": source,
                        "targetId": target,
                    }
                )
    for _, _course, record in courses:
        add(record)
    return out


def _subject_of(credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """``ClrSubject`` identity: the holder DID and identifiers the inner subjects carry."""
    subject: dict[str, Any] = {"type": ["ClrSubject"]}
    for document in credentials:
        inner = document.get("credentialSubject")
        if not isinstance(inner, dict):
            continue
        if isinstance(inner.get("id"), str):
            subject["id"] = inner["id"]
        if isinstance(inner.get("identifier"), list) and "identifier" not in subject:
            subject["identifier"] = inner["identifier"]
    return subject


class ClrBuilder:
    """Builds and signs a learner's CLR (reads only: nothing is stored)."""

    def __init__(self, signer: CredentialSigner) -> None:
        self.signer = signer

    def build(
        self, session: Session, learner: Learner, contents: RecordContents, name: str
    ) -> dict[str, Any]:
        org = orgs.by_id(session, learner.org_id)
        assert org is not None
        ctx = self.signer.context_for(session, org)
        issuer = ctx.profile().to_json()
        subject = _subject_of(contents.credentials)
        subject["verifiableCredential"] = contents.credentials
        if contents.associations:
            subject["association"] = contents.associations
        # The same record, the same id: hosts replace it instead of piling up copies.
        seed = f"{org.id}:{learner.lms_id}:{contents.fingerprint()}"
        document: dict[str, Any] = {
            "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT, OB_EXTENSIONS],
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": issuer,
            "validFrom": timestamp(),
            "name": name,
            "credentialSubject": subject,
            "credentialSchema": [{"id": CLR_SCHEMA, "type": OB_SCHEMA_TYPE}],
        }
        return self.signer.sign(document, ctx)
