"""The resource side of the 1EdTech OB 3.0 API (§6) and the CLR 2.0 API that mirrors it:
a learner's credentials and profile, read and written by hosts the learner approved.

- ``getCredentials`` (§6.2.2): the learner's credentials issued here (current, not revoked,
  public) and those hosts put here, oldest first, paged by ``limit``/``offset``; ``since``
  keeps those issued or stored at or after an instant.
- ``upsertCredential`` (§6.2.3): a credential in JSON or as a compact JWS, verified by our
  verifier before it is stored; the same ``issuer.id`` and ``id`` replaces (200), a new one
  is added (201).
- ``getProfile`` / ``putProfile`` (§6.2.4-5): the profile the learner's hosts see.

Errors are ``Imsx_StatusInfo`` (§B.2 ``Imsx_StatusInfo``; codeMinor values from §B.2
``Imsx_CodeMinorFieldValue``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlmodel import Session

from app.accounts import api_audit, oauth_repository
from app.accounts import repository as accounts
from app.awards import repository as awards
from app.awards.clr import ClrBuilder, record_contents
from app.core.vc.schema import SchemaRegistry
from app.credentials import repository as credentials
from app.credentials.documents import serialize
from app.db import as_utc, utcnow
from app.issuers.identity import IssuerIdentity
from app.models import ApiProfile, IssuedCredential, Learner, LearnerAccount, ReceivedCredential
from app.models.enums import CredentialStatus
from app.verification.clr import is_clr
from app.verification.service import Verifier
from app.verification.submission import SubmissionError, classify

PROFILE_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json"
Api = Literal["ob", "clr"]
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


class ImsxError(Exception):
    """An ``Imsx_StatusInfo`` answer (OB 3.0 §B.2)."""

    def __init__(self, status: int, code_minor: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code_minor, self.description = status, code_minor, description

    def body(self) -> dict[str, Any]:
        return status_info(self.code_minor, self.description)

    def headers(self) -> dict[str, str]:
        return {}


def status_info(code_minor: str, description: str) -> dict[str, Any]:
    """An Imsx_StatusInfo (OB 3.0 §B.3, ob_v3p0_imsx_statusinfo_schema.json): the minor code
    sits in ``imsx_codeMinor.imsx_codeMinorField[]`` as a name/value pair, as 1EdTech's
    examples write it, not as a bare string."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code_minor,
                }
            ]
        },
    }


@dataclass(frozen=True)
class Entry:
    """One credential of the list: a JSON-LD document or a compact JWS."""

    at: datetime
    json_value: dict[str, Any] | None = None
    jws: str | None = None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    total: int

    def body(self) -> dict[str, Any]:
        """GetOpenBadgeCredentialsResponse / GetClrCredentialsResponse (§B.2)."""
        documents = [e.json_value for e in self.entries if e.json_value is not None]
        tokens = [e.jws for e in self.entries if e.jws is not None]
        out: dict[str, Any] = {}
        if documents:  # both response schemas name the list "credential"
            out["credential"] = documents
        if tokens:
            out["compactJwsString"] = tokens
        return out


@dataclass(frozen=True)
class ReceivedView:
    """A credential a host added, as the learner's page lists it."""

    title: str | None
    issuer: str
    issuer_id: str
    credential_type: str
    added_at: datetime


@dataclass(frozen=True)
class Upserted:
    created: bool
    credential: dict[str, Any] | None
    jws: str | None


def _shown(record: IssuedCredential, now: datetime) -> bool:
    if record.status == CredentialStatus.REVOKED or record.superseded_by:
        return False
    return record.public_from is None or as_utc(record.public_from) <= now


def _types(document: dict[str, Any]) -> list[str]:
    kinds = document.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return [k for k in kinds if isinstance(k, str)]


def _issuer(document: dict[str, Any]) -> tuple[str | None, str | None]:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer, None
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        name = issuer.get("name")
        return issuer["id"], name if isinstance(name, str) else None
    return None, None


def _contained_ids(credential: dict[str, Any]) -> list[str]:
    """The ``id`` of the credential and of each credential a CLR holds (JSON or compact JWS;
    the verifier has checked their proofs already)."""
    ids = [credential["id"]] if isinstance(credential.get("id"), str) else []
    subject = credential.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    for item in inner if isinstance(inner, list) else []:
        if isinstance(item, str) and item.count(".") == 2:
            try:
                payload = item.split(".")[1]
                item = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            except ValueError:
                continue
            item = item.get("vc", item) if isinstance(item, dict) else item
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.append(item["id"])
    return ids


def _award_owner(session: Session, record: IssuedCredential) -> int | None:
    """The learner a course or program award of ours was issued to, following re-issues and
    renewals to the credential the award now points at; None for VC-API credentials."""
    seen: set[str] = set()
    current: IssuedCredential | None = record
    while current is not None and current.uuid not in seen:
        seen.add(current.uuid)
        award = awards.course_award_by_credential(
            session, current.uuid
        ) or awards.program_award_by_credential(session, current.uuid)
        if award is not None:
            return award.learner_id
        if current.superseded_by:
            current = credentials.by_uuid(session, current.superseded_by)
        else:
            current = credentials.renewal_of(session, current.uuid)
    return None


class ObApiService:
    def __init__(
        self,
        identity: IssuerIdentity,
        verifier: Verifier,
        schemas: SchemaRegistry,
        clr: ClrBuilder,
    ) -> None:
        self.identity = identity
        self.verifier = verifier
        self.schemas = schemas
        self.clr = clr

    @staticmethod
    def account(session: Session, account_id: int) -> tuple[LearnerAccount, list[Learner]]:
        """The person a grant speaks for and their learners (one per organization)."""
        account = accounts.account(session, account_id)
        if account is None:  # the grant outlived its account
            raise ImsxError(401, "unauthorizedrequest", "the account of this grant is gone")
        return account, accounts.linked_learners(session, account_id)

    # -- getCredentials -------------------------------------------------------------------

    def _issued(self, session: Session, learner: Learner, api: Api, now: datetime) -> list[Entry]:
        """Credentials this service issued to one of the person's learners: the OB ones, or
        one CLR of each organization's record."""
        if api == "clr":
            contents = record_contents(session, learner, now)
            if not contents.credentials:
                return []
            name = f"Comprehensive Learner Record of {learner.name or learner.lms_id}"
            return [Entry(now, self.clr.build(session, learner, contents, name))]
        issued = [r for _, _, r in awards.course_awards_of(session, learner.id)]
        issued += [r for _, _, r in awards.program_awards_of(session, learner.id)]
        return [
            Entry(as_utc(r.issued_at), json.loads(r.document)) for r in issued if _shown(r, now)
        ]

    def _entries(self, session: Session, account_id: int, api: Api) -> list[Entry]:
        now = datetime.now(UTC)
        _, learners = self.account(session, account_id)
        entries: list[Entry] = []
        for learner in learners:
            entries += self._issued(session, learner, api, now)
        for received in oauth_repository.received_of(session, account_id):
            if (received.credential_type == "ClrCredential") != (api == "clr"):
                continue
            at = as_utc(received.updated_at)
            if received.format == "jwt_vc":
                entries.append(Entry(at, jws=received.document))
            else:
                entries.append(Entry(at, json.loads(received.document)))
        entries.sort(key=lambda e: e.at)
        return entries

    def credentials(
        self,
        session: Session,
        account_id: int,
        api: Api,
        limit: int,
        offset: int,
        since: datetime | None = None,
    ) -> Page:
        entries = self._entries(session, account_id, api)
        if since is not None:
            entries = [e for e in entries if e.at >= since]
        return Page(entries[offset : offset + limit], len(entries))

    # -- upsertCredential -----------------------------------------------------------------

    @staticmethod
    def _refuse_someone_elses(
        session: Session, learners: list[Learner], credential: dict[str, Any]
    ) -> None:
        """A credential this service awarded to another learner (or a CLR holding one) is not
        the person's to add: 403 ``forbidden``. Credentials of other issuers name their
        subject in ways we cannot match to a learner, so they are taken as the host sends them.
        """
        mine = {learner.id for learner in learners}
        for credential_id in _contained_ids(credential):
            record = credentials.by_credential_id(session, credential_id)
            owner = _award_owner(session, record) if record is not None else None
            if owner is not None and owner not in mine:
                raise ImsxError(
                    403, "forbidden", f"the credential {credential_id} was issued to someone else"
                )

    def upsert(self, session: Session, account_id: int, api: Api, value: Any) -> Upserted:
        _, learners = self.account(session, account_id)
        try:
            submission = classify(value, field="credential")
            report = self.verifier.verify_submission(session, submission)
        except SubmissionError as exc:
            raise ImsxError(400, "invalid_data", str(exc)) from None
        credential = report.credential
        if credential is None or not report.verified:
            failed = "; ".join(f"{c.name}: {c.message}" for c in report.failed())
            raise ImsxError(400, "invalid_data", f"the credential does not verify: {failed}")
        wanted_clr = api == "clr"
        if is_clr(credential) != wanted_clr or (
            not wanted_clr and not OB_TYPES & set(_types(credential))
        ):
            kind = "a ClrCredential" if wanted_clr else "an OpenBadgeCredential"
            raise ImsxError(400, "invalid_data", f"this endpoint takes {kind}")
        self._refuse_someone_elses(session, learners, credential)
        issuer_id, issuer_name = _issuer(credential)
        credential_id = credential.get("id")
        if not isinstance(credential_id, str) or issuer_id is None:
            raise ImsxError(400, "invalid_data", 'the credential needs an "id" and an issuer id')
        identity = hashlib.sha256(f"{issuer_id}\n{credential_id}".encode()).hexdigest()
        jws = submission.token if submission.credential is None else None
        document = jws if jws is not None else serialize(credential)
        name = credential.get("name")
        kind = next((t for t in _types(credential) if t != "VerifiableCredential"), "")
        existing = oauth_repository.received_by_identity(session, account_id, identity)
        row = existing or ReceivedCredential(
            account_id=account_id,
            identity_hash=identity,
            credential_id=credential_id,
            issuer_id=issuer_id,
            credential_type=kind[:100],
            format="",
            document="",
        )
        row.issuer_name = issuer_name[:500] if issuer_name else None
        row.title = name[:500] if isinstance(name, str) else None
        row.format = "jwt_vc" if jws is not None else "ldp_vc"
        row.document = document
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        what = f"{kind} {credential_id} from {issuer_id}"[:900]
        api_audit.record(session, account_id, api_audit.UPSERTED, what)
        return Upserted(existing is None, None if jws else credential, jws)

    @staticmethod
    def received(session: Session, account_id: int) -> list[ReceivedCredential]:
        """What hosts put here for the person, oldest first."""
        return oauth_repository.received_of(session, account_id)

    @classmethod
    def received_views(cls, session: Session, account_id: int) -> list[ReceivedView]:
        """The same for /me, which shows each as "{title} from {issuer}"
        (templates/accounts/_received.html)."""
        return [
            ReceivedView(
                title=row.title,
                issuer=row.issuer_name or row.issuer_id,
                issuer_id=row.issuer_id,
                credential_type=row.credential_type,
                added_at=as_utc(row.created_at),
            )
            for row in cls.received(session, account_id)
        ]

    # -- profile --------------------------------------------------------------------------

    def _profile_id(self, account: LearnerAccount) -> str:
        """A stable id of the person that reveals no LMS user id."""
        seed = f"{self.identity.base_url}/accounts/{account.id}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"

    def profile(self, session: Session, account_id: int) -> dict[str, Any]:
        account, learners = self.account(session, account_id)
        stored = oauth_repository.api_profile(session, account.id)
        if stored is not None:
            document: dict[str, Any] = json.loads(stored.document)
            return document
        profile: dict[str, Any] = {"id": self._profile_id(account), "type": ["Profile"]}
        name = account.display_name or next((x.name for x in reversed(learners) if x.name), None)
        if name:
            profile["name"] = name
        return profile

    def put_profile(self, session: Session, account_id: int, value: Any) -> dict[str, Any]:
        """Replaces this person's profile; its ``id`` is fixed by the first PUT.

        The first PUT may bring any ``id``: the OB 3.0 certification's Service Provider tests
        store one and read it back (the cert guide's ``https://1edtech.org/issuers/cert``).
        Once a host has stored the profile, a PUT with another ``id`` is refused
        (``invalid_data``): an id names the person, and a host may not swap it. It is the
        profile hosts see for this account only; no other account's profile changes."""
        account, _ = self.account(session, account_id)
        if not isinstance(value, dict):
            raise ImsxError(400, "invalid_data", "the profile must be a JSON object")
        errors = self.schemas.errors(PROFILE_SCHEMA, value)
        if errors:
            raise ImsxError(400, "invalid_data", f"OB 3.0 Profile JSON Schema: {errors[0]}")
        stored = oauth_repository.api_profile(session, account.id)
        if stored is not None:
            fixed = json.loads(stored.document).get("id")
            if value.get("id") != fixed:
                raise ImsxError(
                    400, "invalid_data", f'the profile "id" is {fixed}; it cannot be changed'
                )
        stored = stored or ApiProfile(account_id=account.id, document="")
        stored.document = serialize(value)
        stored.updated_at = utcnow()
        session.add(stored)
        session.flush()
        return value
