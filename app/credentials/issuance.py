"""Issuance: check the submitted credential, complete it, give it status entries, sign, store.

One unit of work per credential, in a savepoint: the credential row and its status entries
land together or not at all, and the caller's transaction owns the commit. Two concurrent
issuers may draw the same random status index; the unique constraint refuses the second, and
the unit is undone and retried with a new draw (never a reused index).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
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
from app.db import RETRY_ATTEMPTS, RetryableConflict, as_loaded, as_utc
from app.errors import AppError, Conflict, InvalidInput, PayloadTooLarge
from app.models import IssuedCredential, Organization
from app.models.enums import CredentialKind, StatusListFormat, StatusPurpose

#: CPU seconds signing one credential may use (its JSON-LD work; ours take a few ms).
DEFAULT_BUDGET_SECONDS = 5.0
#: RFC 4122 §3: the URN's "urn" and "uuid" are case-blind, as the hex digits are; so one
#: credential's id in another case names the same storage uuid (and is refused as taken).
_URN_UUID = re.compile(r"^urn:uuid:([0-9a-f-]{36})$", re.IGNORECASE)
#: The dates a credential's award date is taken from, and the room the column has for it.
_AWARD_DATES = ("awardedDate", "validFrom", "issuanceDate")
_AWARD_DATE_LENGTH = IssuedCredential.__table__.c.awarded_date.type.length  # type: ignore[attr-defined]
#: Grouped INSERTs of a batch before its items are stored one by one: each attempt after the
#: first re-draws only the items whose index a parallel batch took meanwhile.
_GROUPED_ATTEMPTS = 3


@dataclass(frozen=True)
class IssueOptions:
    credential_id: str | None = None
    #: The Data Integrity suite of the proof (VC-API ``options.cryptosuite``).
    cryptosuite: str = DEFAULT_SUITE
    #: Add an Ed25519Signature2020 proof too, as a proof set (wallets that verify only it).
    legacy_proof: bool = False


@dataclass
class _Prepared:
    """One batch item between its checks and its INSERT."""

    index: int
    options: IssueOptions
    ctx: OrgSigningContext
    document: dict[str, Any]
    storage_uuid: str
    open_badge: bool
    fmt: str
    purposes: list[str]
    allocations: list[Allocation] = field(default_factory=list)
    record: IssuedCredential | None = None


class IndexClash(RetryableConflict):
    """A concurrent issuer took the same status index first: redo the unit of work."""

    def __init__(self, uuid: str, allocations: list[Allocation] | None = None) -> None:
        super().__init__(uuid)
        #: The slots the clashed try had claimed (PostgreSQL: still claimed, to draw again in).
        self.allocations = allocations or []


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
        """Sign and store one credential, again on ``IndexClash`` (drawing then only among
        positions known free, in the slots the first try claimed).

        No savepoint (SAVEPOINT and RELEASE were two of an issue's nine round trips on
        PostgreSQL): the store takes itself back on a clash (``_insert``), and the next try
        draws again in the slots already claimed (claiming anew would count each clash as a
        used slot: lists would close early). A try refused for another reason may leave its
        slot counted (a fullness hint, as a batch's claims apart already leave it) or a list
        or key it opened, never a credential or an entry; the caller's transaction, or its
        savepoint, decides the rest as for any error it lets through."""
        version = self._check_request(credential, options)
        claimed: list[Allocation] | None = None
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                return self._issue_once(
                    session, org, credential, version, options, client_id, kind, claimed=claimed
                )
            except RetryableConflict as conflict:
                if attempt == RETRY_ATTEMPTS:
                    raise
                if isinstance(conflict, IndexClash):
                    claimed = conflict.allocations
                # Else another request made the organization's first key (``KeyClash``, its
                # insert undone): the next try signs with that one.
        raise AssertionError("unreachable")

    def _check_request(self, credential: Any, options: IssueOptions) -> int:
        """The submitted credential's shape and data model, and the options; its VC version."""
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
        for name in _AWARD_DATES:  # the first one present is stored (``awarded_date``)
            value = credential.get(name) if isinstance(credential, dict) else None
            if isinstance(value, str) and len(value) > _AWARD_DATE_LENGTH:
                raise InvalidInput(
                    f'"{name}" is longer than {_AWARD_DATE_LENGTH} characters (fractions of a '
                    "second past nanoseconds are not kept)",
                    field=f"credential.{name}",
                )
        return version

    def _issue_once(
        self,
        session: Session,
        org: Organization,
        credential: dict[str, Any],
        version: int,
        options: IssueOptions,
        client_id: str | None,
        kind: str | None,
        claimed: list[Allocation] | None = None,
    ) -> IssuedCredential:
        """``claimed``: the slots of a try that lost a position, drawn again among free ones."""
        ctx = self.signer.context_for(session, org, options.cryptosuite)
        chosen_id = "id" in credential or options.credential_id is not None
        document = self._complete(credential, version, ctx, options)
        open_badge = is_open_badge(document)
        storage_uuid = self._storage_uuid(document["id"])
        if chosen_id:  # a fresh urn:uuid cannot clash; the unique constraint stays the guard
            self._refuse_duplicate(session, document["id"], storage_uuid)
        fmt = StatusListFormat.BITSTRING if version == 2 else StatusListFormat.SL2021
        allocations = (
            [self.lists.redraw(session, a) for a in claimed]
            if claimed
            else [
                allocation
                for purpose in status_purposes(org, open_badge)
                for allocation in self.lists.allocate(session, org, purpose, fmt)
            ]
        )
        entries = [a.entry_json(self.lists.identity) for a in allocations]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        if fmt == StatusListFormat.SL2021 and STATUS_LIST_2021_V1 not in document["@context"]:
            document["@context"] = [*document["@context"], STATUS_LIST_2021_V1]
        if open_badge:
            # With suspension on, the array of two entries knowingly leaves the OB 3.0 JSON
            # Schema (it allows one object): check everything else against it.
            self._check_schema({**document, "credentialStatus": entries[0]})
        signed = self._sign(document, ctx, options)
        record = _new_record(
            storage_uuid, document, signed, org.id, ctx.key.id, open_badge, kind, client_id
        )
        self._insert(session, record, allocations, client_id)
        return record

    def issue_batch(
        self,
        session: Session,
        org: Organization,
        items: list[tuple[Any, IssueOptions]],
        *,
        client_id: str | None = None,
        kind: str | None = None,
        columns: list[dict[str, Any]] | None = None,
    ) -> list[IssuedCredential | AppError]:
        """Many credentials for one organization, each item atomic and answered on its own:
        a stored record, or the error that refused it (nothing of it stored).

        ``kind``: the records' kind (default: from the document); ``columns``: per item,
        more columns of its record (e.g. ``public_from``), stored with it.

        The same checks and signing as ``issue``; the writes are grouped: one slot claim per
        status list, then one executemany per table. Should the grouped writes meet a clash
        (a concurrent request took an id or an index), they are undone and every item is
        stored on its own, as ``issue`` would (re-signed if its index was taken).
        """
        results: list[IssuedCredential | AppError | None] = [None] * len(items)
        prepared: list[_Prepared] = []
        for n, (credential, options) in enumerate(items):
            try:
                prepared.append(self._prepare(session, org, n, credential, options))
            except AppError as exc:
                results[n] = exc
        self._allocate_all(session, org, prepared)
        signed = self._finish_all(prepared, results, client_id, kind, columns)
        for attempt in range(1, _GROUPED_ATTEMPTS + 1):
            try:
                with session.begin_nested():
                    self._insert_all(session, signed, client_id)
            except IntegrityError:
                clashed = self._clashed(session, signed) if attempt < _GROUPED_ATTEMPTS else []
                if clashed:  # only these items lost their index: new ones, new proofs
                    for item in clashed:
                        item.allocations = []
                    self._allocate_all(session, org, clashed, careful=True)
                    again = self._finish_all(clashed, results, client_id, kind, columns)
                    refused = {id(i) for i in clashed} - {id(i) for i in again}
                    signed = [i for i in signed if id(i) not in refused]
                    continue
                for item in signed:  # something else (e.g. an id stored meanwhile)
                    results[item.index] = self._store_alone(
                        session, org, items, item, client_id, kind, columns
                    )
                break
            for item in signed:
                assert item.record is not None
                repository.attach(session, item.record)
                results[item.index] = item.record
            break
        return [r if r is not None else Conflict("not issued") for r in results]

    def _finish_all(
        self,
        items: list[_Prepared],
        results: list[IssuedCredential | AppError | None],
        client_id: str | None,
        kind: str | None,
        columns: list[dict[str, Any]] | None,
    ) -> list[_Prepared]:
        """Sign each item (``_finish``) and give its record the caller's columns; the items
        signed (a refused one gets its error in ``results``)."""
        signed: list[_Prepared] = []
        for item in items:
            try:
                self._finish(item, client_id, kind)
            except AppError as exc:
                results[item.index] = exc
                continue
            if columns is not None and item.record is not None:
                for name, value in columns[item.index].items():
                    setattr(item.record, name, value)
            signed.append(item)
        return signed

    def _clashed(self, session: Session, items: list[_Prepared]) -> list[_Prepared]:
        """After the grouped INSERT was refused and undone: the items whose status index a
        parallel issuer has stored meanwhile. Random draws of two parallel batches meet now
        and then (500 each in a list of 131,072: about two per pair); only those items are
        drawn again and re-signed, the rest stored together as before."""
        by_list: dict[int, set[int]] = {}
        for item in items:
            for allocation in item.allocations:
                by_list.setdefault(allocation.status_list.id, set()).add(allocation.position)
        taken = {
            (list_id, position)
            for list_id, positions in by_list.items()
            for position in self.lists.taken(session, list_id, sorted(positions))
        }
        return [
            item
            for item in items
            if any((a.status_list.id, a.position) in taken for a in item.allocations)
        ]

    def _prepare(
        self,
        session: Session,
        org: Organization,
        index: int,
        credential: Any,
        options: IssueOptions,
    ) -> _Prepared:
        version = self._check_request(credential, options)
        ctx = self.signer.context_for(session, org, options.cryptosuite)
        chosen_id = "id" in credential or options.credential_id is not None
        document = self._complete(credential, version, ctx, options)
        storage_uuid = self._storage_uuid(document["id"])
        if chosen_id:
            self._refuse_duplicate(session, document["id"], storage_uuid)
        open_badge = is_open_badge(document)
        fmt = StatusListFormat.BITSTRING if version == 2 else StatusListFormat.SL2021
        return _Prepared(
            index,
            options,
            ctx,
            document,
            storage_uuid,
            open_badge,
            fmt,
            status_purposes(org, open_badge),
        )

    def _allocate_all(
        self, session: Session, org: Organization, items: list[_Prepared], careful: bool = False
    ) -> None:
        """One claim per (purpose, format) for every item that needs an entry in it.
        ``careful``: drawn again after a clash, a lone item too is drawn among positions known
        free (a blind draw would meet a taken one as often as the list is full)."""
        wanted: dict[tuple[str, str], list[_Prepared]] = {}
        for item in items:
            for purpose in item.purposes:
                wanted.setdefault((purpose, item.fmt), []).append(item)
        for (purpose, fmt), needing in wanted.items():
            allocations = self.lists.allocate(
                session, org, purpose, fmt, careful=careful, count=len(needing)
            )
            for item, allocation in zip(needing, allocations, strict=True):
                item.allocations.append(allocation)

    def _finish(self, item: _Prepared, client_id: str | None, kind: str | None = None) -> None:
        """Status entries into the document, schema check, proof, the record to store."""
        document = item.document
        entries = [a.entry_json(self.lists.identity) for a in item.allocations]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        if item.fmt == StatusListFormat.SL2021 and STATUS_LIST_2021_V1 not in document["@context"]:
            document["@context"] = [*document["@context"], STATUS_LIST_2021_V1]
        if item.open_badge:
            self._check_schema({**document, "credentialStatus": entries[0]})
        signed = self._sign(document, item.ctx, item.options)
        item.record = self._record(document, signed, item, client_id, kind)

    def _record(
        self,
        document: dict[str, Any],
        signed: dict[str, Any],
        item: _Prepared,
        client_id: str | None,
        kind: str | None = None,
    ) -> IssuedCredential:
        return _new_record(
            item.storage_uuid,
            document,
            signed,
            item.ctx.org.id,
            item.ctx.key.id,
            item.open_badge,
            kind,
            client_id,
        )

    def _insert_all(self, session: Session, items: list[_Prepared], client_id: str | None) -> None:
        records = [item.record for item in items if item.record is not None]
        repository.insert_credentials(session, records)
        self.lists.record_many(
            session, [(a, item.storage_uuid) for item in items for a in item.allocations]
        )
        repository.insert_issued_events(session, [r.uuid for r in records], client_id)

    def _store_alone(
        self,
        session: Session,
        org: Organization,
        items: list[tuple[Any, IssueOptions]],
        item: _Prepared,
        client_id: str | None,
        kind: str | None = None,
        columns: list[dict[str, Any]] | None = None,
    ) -> IssuedCredential | AppError:
        """The grouped writes clashed: this item on its own, in its own savepoint."""
        assert item.record is not None
        record = item.record
        try:
            with session.begin_nested():
                self._insert(session, record, item.allocations, client_id)
            return record
        except IndexClash:
            pass  # its index was taken meanwhile: issue it afresh (new index, new proof)
        except AppError as exc:
            return exc
        credential, options = items[item.index]
        try:
            record = self.issue(session, org, credential, options, client_id=client_id, kind=kind)
        except AppError as exc:
            return exc
        for name, value in (columns[item.index] if columns is not None else {}).items():
            setattr(record, name, value)  # flushed as an UPDATE (the record is persistent)
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
        persistent object: callers may still change it (public_from, renewal_of, ...).
        PostgreSQL: the three in one statement that a clash does not abort; what a taken
        position let it write is taken back here, so the transaction goes on cleanly without
        a savepoint (``issue``)."""
        if repository.can_insert_issued_at_once(session):
            entries = [(a.status_list.id, a.position) for a in allocations]
            written = repository.insert_issued_at_once(session, record, entries, client_id)
            if not written.credential:
                raise Conflict(
                    f'a credential with id "{record.credential_id}" already exists',
                    field="credential.id",
                )
            if written.entries < len(entries):
                repository.undo_issued(session, record.uuid)
                raise IndexClash(record.uuid, allocations)
            repository.attach(session, record)
            return
        # SQLite: a refused statement undoes itself and the transaction goes on (no savepoint
        # needed either), but the entries go in one row at a time: some may be in.
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
            repository.undo_issued(session, record.uuid)
            raise IndexClash(record.uuid, allocations) from None
        repository.insert_issued_event(session, record.uuid, client_id)
        repository.attach(session, record)


def _new_record(
    storage_uuid: str,
    document: dict[str, Any],
    signed: dict[str, Any],
    org_id: int,
    key_id: int | None,
    open_badge: bool,
    kind: str | None,
    client_id: str | None,
) -> IssuedCredential:
    """The row of a credential just signed (single and batch issue alike)."""
    return as_loaded(
        IssuedCredential,
        dict(
            uuid=storage_uuid,
            credential_id=document["id"],
            org_id=org_id,
            key_id=key_id,
            kind=kind or (CredentialKind.OPEN_BADGE if open_badge else CredentialKind.VC),
            document=serialize(signed),
            issued_by_client=client_id,
            awarded_date=document.get("awardedDate")
            or document.get("validFrom")
            or document.get("issuanceDate"),
            valid_until=_instant(document.get("validUntil") or document.get("expirationDate")),
        ),
    )


def _instant(value: Any) -> datetime | None:
    """A validUntil as stored for queries (expiry reminders); checked on input already."""
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None
