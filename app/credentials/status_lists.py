"""Status lists: random index allocation, status changes, signed publication.

Indexes are drawn at random (BSL §6.1 herd privacy) and a unique constraint on
(list, position) makes reuse impossible even across workers; the caller retries on a clash.
A list is signed in the transaction that creates it and re-signed, under its row lock, in the
one that changes a bit (or revokes the key that signed it): reads serve what is stored.

Two things keep parallel batch writers (event-bus consumers) from queuing on a list's row:
``deferred_signing`` re-signs each changed list once, at the end of the batch, instead of
locking and signing it per change; and on PostgreSQL a batch claims its slots in a
transaction of its own, committed at once, instead of holding the row until its commit.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.core.status.bitstring import Bitstring
from app.core.status.credential import (
    status_list_2021_credential,
    status_list_2021_entry,
    status_list_credential,
    status_list_entry,
)
from app.core.vocabulary import DATA_INTEGRITY_V2
from app.credentials import status_repository as repository
from app.credentials.documents import serialize, timestamp
from app.credentials.signing import CredentialSigner
from app.db import is_sqlite
from app.errors import ServiceUnavailable
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.models import Organization, StatusEntry, StatusList
from app.models.enums import StatusListFormat

_RANDOM_TRIES = 8

#: ``session.info`` keys: the lists changed in a ``deferred_signing`` block, and the lists
#: whose row the session's current transaction has locked or created.
_DEFERRED = "laurel.status_lists.deferred"
_HELD = "laurel.status_lists.held"

#: How long a claim apart waits for a list's row before claiming in the caller's transaction
#: instead. Others hold it for a statement or a re-sign (milliseconds); a longer wait is a lock
#: taken by a whole transaction, or a cycle through the caller that PostgreSQL cannot see.
_CLAIM_APART_LOCK_TIMEOUT = "1s"


@dataclass(frozen=True)
class OpenList:
    """What issuing needs of a status list: a snapshot, kept per worker between requests."""

    id: int
    public_id: str
    purpose: str
    format: str
    size: int

    @classmethod
    def of(cls, status_list: StatusList) -> OpenList:
        return cls(
            status_list.id,
            status_list.public_id,
            status_list.purpose,
            status_list.format,
            status_list.size,
        )


@dataclass(frozen=True)
class Allocation:
    status_list: OpenList
    position: int

    def entry_json(self, identity: IssuerIdentity) -> dict[str, Any]:
        url = status_list_url(identity, self.status_list)
        if self.status_list.format == StatusListFormat.SL2021:
            return status_list_2021_entry(url, self.position, self.status_list.purpose)
        return status_list_entry(url, self.position, self.status_list.purpose)


def status_list_url(identity: IssuerIdentity, status_list: StatusList | OpenList) -> str:
    return f"{identity.base_url}/status/{status_list.public_id}"


class StatusListService:
    def __init__(self, signer: CredentialSigner, identity: IssuerIdentity, size: int) -> None:
        self.signer = signer
        self.identity = identity
        self.size = size
        #: The list each (organization, purpose, format) last drew from in this worker. Only
        #: a hint: every allocation claims its slot with a conditional UPDATE on the row.
        self._open: dict[tuple[int, str, str], OpenList] = {}
        self._lock = threading.Lock()

    # -- allocation (inside the issuing transaction) ------------------------------------

    def allocate(
        self,
        session: Session,
        org: Organization,
        purpose: str,
        fmt: str,
        *,
        careful: bool = False,
        count: int = 1,
    ) -> list[Allocation]:
        """``count`` random free positions in the organization's open list (BSL §6.1).

        One statement on the usual path: the conditional ``allocated + count`` UPDATE both
        claims the slots and proves the cached list is still open (another worker may have
        filled it). Positions are drawn at random and the unique constraint refuses a clash
        (the caller redoes the unit with ``careful``, which first asks which are taken); a
        list more than half full is always drawn from carefully.

        On PostgreSQL a batch (``count > 1``) claims in a transaction of its own, committed
        at once (``_claim``): should the caller's transaction roll back, the slots stay
        counted. The counter is only a fullness hint (positions are guarded by the unique
        constraint), so the cost is capacity: the list closes a little before it is full.
        """
        key = (org.id, purpose, fmt)
        with self._lock:
            hint = self._open.get(key)
        claimed = self._claim(session, hint, count) if hint is not None else None
        if hint is None or claimed is None:
            hint, claimed = self._open_list(session, org, purpose, fmt, count)
            with self._lock:
                self._open[key] = hint
        careful = careful or claimed * 2 > hint.size
        return [Allocation(hint, p) for p in self._positions(session, hint, count, careful)]

    def _claim(self, session: Session, status_list: OpenList, count: int) -> int | None:
        """Claim ``count`` slots; None when the list cannot take them (full or gone).

        A batch on PostgreSQL claims apart, so that a parallel batch is not held up until
        this one commits: not a list this transaction holds (it would wait for itself) or
        created (no other transaction can see it yet), and not after waiting too long. So does
        a single claim inside ``deferred_signing`` (an event-bus batch issuing one credential
        alone): held to the commit, it would close a cycle with a parallel batch that waits on
        this one's rows while holding the list for its final re-sign.
        """
        batch = count > 1 or _DEFERRED in session.info  # a deferred block is a batch too
        if batch and status_list.id not in _held(session):
            engine = session.get_bind().engine
            if not is_sqlite(engine):
                try:
                    return repository.claim_slots_apart(
                        engine, status_list.id, count, _CLAIM_APART_LOCK_TIMEOUT
                    )
                except repository.ClaimWouldWait:
                    pass  # wait in the caller's transaction: a real deadlock is detected there
        claimed = repository.claim_slots(session, status_list.id, count)
        if claimed is not None:
            _held(session).add(status_list.id)
        return claimed

    def _open_list(
        self, session: Session, org: Organization, purpose: str, fmt: str, count: int
    ) -> tuple[OpenList, int]:
        for status_list in repository.open_lists(session, org.id, purpose, fmt):
            claimed = self._claim(session, OpenList.of(status_list), count)
            if claimed is not None:
                return OpenList.of(status_list), claimed
        status_list = StatusList(
            public_id=secrets.token_urlsafe(18),
            org_id=org.id,
            purpose=purpose,
            format=fmt,
            size=max(self.size, count),
        )
        session.add(status_list)
        session.flush()
        _held(session).add(status_list.id)  # its claim stays in this transaction
        self._sign(session, status_list)  # all zeros: valid until a bit changes
        snapshot = OpenList.of(status_list)
        claimed = self._claim(session, snapshot, count)
        assert claimed is not None
        return snapshot, claimed

    def _positions(
        self, session: Session, status_list: OpenList, count: int, careful: bool
    ) -> list[int]:
        if count > 1:  # one query per round of draws, however full (not one per position)
            return self._free_positions(session, status_list, count)
        if not careful:
            return [secrets.randbelow(status_list.size)]
        return [self._free_position(session, status_list, set())]

    def _free_positions(self, session: Session, status_list: OpenList, count: int) -> list[int]:
        """``count`` distinct random positions, those already taken drawn again: one query
        per round (for a batch, a clash somewhere among many draws is likely, not rare)."""
        chosen: set[int] = set()
        for _ in range(_RANDOM_TRIES):
            drawn: set[int] = set()
            while len(drawn) < count - len(chosen):
                candidate = secrets.randbelow(status_list.size)
                if candidate not in chosen:
                    drawn.add(candidate)
            chosen |= drawn - repository.taken_positions(session, status_list.id, list(drawn))
            if len(chosen) == count:
                return list(chosen)
        while len(chosen) < count:  # nearly full: one careful draw at a time
            chosen.add(self._free_position(session, status_list, chosen))
        return list(chosen)

    def _free_position(self, session: Session, status_list: OpenList, exclude: set[int]) -> int:
        candidates = [secrets.randbelow(status_list.size) for _ in range(_RANDOM_TRIES)]
        taken = repository.taken_positions(session, status_list.id, candidates) | exclude
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        # Nearly full: choose among the free positions directly.
        used = repository.all_positions(session, status_list.id) | exclude
        free = status_list.size - len(used)
        if free <= 0:
            raise ListFull(status_list.public_id)
        skip = secrets.randbelow(free)
        for position in range(status_list.size):
            if position not in used:
                if skip == 0:
                    return position
                skip -= 1
        raise ListFull(status_list.public_id)

    def redraw(self, session: Session, allocation: Allocation) -> Allocation:
        """Another position in the same claimed slot, among those known free (not the one
        drawn before, which a concurrent issuer may hold uncommitted)."""
        status_list = allocation.status_list
        return Allocation(
            status_list, self._free_position(session, status_list, {allocation.position})
        )

    @staticmethod
    def taken(session: Session, list_id: int, positions: list[int]) -> set[int]:
        """Which of these positions of the list hold an entry (stored and visible)."""
        return repository.taken_positions(session, list_id, positions)

    def record(self, session: Session, allocations: list[Allocation], credential_uuid: str) -> None:
        """Insert the entries (the unique constraint catches a race); slots were claimed."""
        self.record_many(session, [(a, credential_uuid) for a in allocations])

    @staticmethod
    def record_many(session: Session, entries: list[tuple[Allocation, str]]) -> None:
        repository.insert_entries(
            session, [(a.status_list.id, a.position, uuid) for a, uuid in entries]
        )

    # -- status changes -------------------------------------------------------------------

    def set_bit(self, session: Session, entry: StatusEntry, value: bool) -> None:
        """Flip one entry and re-sign its list, under the list's row lock. Caller commits.

        Inside ``deferred_signing`` only the entry is written: the block re-signs the list.
        """
        changed: set[int] | None = session.info.get(_DEFERRED)
        if changed is not None:
            self._flip(session, entry, value)
            changed.add(entry.list_id)
            return
        status_list = self._lock_row(session, entry.list_id)
        self._flip(session, entry, value)
        self._bump_and_sign(session, status_list)

    def set_bits(self, session: Session, changes: list[tuple[StatusEntry, bool]]) -> None:
        """``set_bit`` for many entries: inside ``deferred_signing`` in one statement (the
        block re-signs their lists); outside it, one at a time."""
        changed: set[int] | None = session.info.get(_DEFERRED)
        if changed is None:
            for entry, value in changes:
                self.set_bit(session, entry, value)
            return
        session.flush()
        repository.set_entries(session, [(entry.id, value) for entry, value in changes])
        for entry, value in changes:
            set_committed_value(entry, "is_set", value)
            changed.add(entry.list_id)

    @contextmanager
    def deferred_signing(self, session: Session) -> Iterator[None]:
        """Re-sign each list changed in the block once, when it ends, not once per change.

        ``set_bit`` inside takes no list lock: a batch of revocations does not hold its lists'
        rows (and so every other writer of them) from its first change to its commit. On a
        normal exit each changed list is locked, in ascending id order (two batches cannot
        deadlock on them), its version bumped and it is signed as the last change left it.
        On an exception nothing is signed: the caller's transaction rolls back. Nested blocks
        belong to the outermost one. A list changed only in a savepoint rolled back since is
        signed again unchanged: harmless. A commit inside the block re-signs first, so a
        committed list always matches its bits.
        """
        if _DEFERRED in session.info:  # nested: the outermost block re-signs
            yield
            return
        changed: set[int] = set()

        def before_commit(committing: Session) -> None:
            # Not a savepoint's release (nor, indistinguishably, a commit with one still open).
            if not committing.in_nested_transaction():
                self._resign_changed(committing, changed)

        session.info[_DEFERRED] = changed
        event.listen(session, "before_commit", before_commit)
        try:
            yield
        finally:
            event.remove(session, "before_commit", before_commit)
            del session.info[_DEFERRED]
        self._resign_changed(session, changed)

    def _resign_changed(self, session: Session, changed: set[int]) -> None:
        for list_id in sorted(changed):
            self._bump_and_sign(session, self._lock_row(session, list_id))
        changed.clear()

    @staticmethod
    def _flip(session: Session, entry: StatusEntry, value: bool) -> None:
        entry.is_set = value
        session.add(entry)
        session.flush()

    @staticmethod
    def _lock_row(session: Session, list_id: int) -> StatusList:
        status_list = repository.lock_list(session, list_id)
        assert status_list is not None
        _held(session).add(list_id)
        return status_list

    def _bump_and_sign(self, session: Session, status_list: StatusList) -> None:
        repository.bump_version(session, status_list.id)
        session.refresh(status_list)
        self._sign(session, status_list)

    # -- publication --------------------------------------------------------------------

    def published(self, session: Session, public_id: str) -> tuple[str, str] | None:
        """The signed list and its ETag, as stored: a read never writes."""
        status_list = repository.by_public_id(session, public_id)
        if status_list is None:
            return None
        document = status_list.signed_document
        if document is None or status_list.signed_version != status_list.version:
            # Only a list written before lists were signed on change (``prepare`` re-signs
            # those at start-up): sign it for this answer, store nothing.
            document = self._signed_document(session, status_list)
        etag = '"' + hashlib.sha256(document.encode()).hexdigest()[:32] + '"'
        return document, etag

    def bitstring(self, session: Session, status_list: StatusList) -> Bitstring:
        bits = Bitstring(status_list.size)
        for position in repository.set_positions(session, status_list.id):
            bits.set(position)
        return bits

    def resign_stale(self, session: Session, org_id: int | None = None) -> int:
        """Sign again every list whose signature is out of date (e.g. its key was revoked),
        in the caller's transaction; returns how many."""
        stale = repository.stale_lists(session, org_id)
        for status_list in stale:
            self._sign(session, self._lock_row(session, status_list.id))
        return len(stale)

    def on_key_revoked(self, session: Session, org_id: int | None) -> None:
        """``KeyLifecycle``'s event: the organization's lists are signed by the active key."""
        if org_id is not None:
            self.resign_stale(session, org_id)

    def _sign(self, session: Session, status_list: StatusList) -> None:
        status_list.signed_document = self._signed_document(session, status_list)
        status_list.signed_version = status_list.version
        session.add(status_list)
        session.flush()

    def _signed_document(self, session: Session, status_list: StatusList) -> str:
        org = orgs.by_id(session, status_list.org_id)
        assert org is not None
        ctx = self.signer.context_for(session, org)
        url = status_list_url(self.identity, status_list)
        encoded = self.bitstring(session, status_list).encode()
        if status_list.format == StatusListFormat.SL2021:
            unsigned = status_list_2021_credential(
                url, ctx.did, status_list.purpose, encoded, timestamp()
            )
            unsigned["@context"].append(DATA_INTEGRITY_V2)
        else:
            unsigned = status_list_credential(
                url, ctx.did, status_list.purpose, encoded, timestamp()
            )
        return serialize(self.signer.sign(unsigned, ctx))


def _held(session: Session) -> set[int]:
    """The lists whose row the session's current transaction has locked or created (a claim
    apart would wait for this very transaction). Kept with the transaction it belongs to: a
    new transaction starts with none. Locks a rolled-back savepoint released may stay listed:
    their claims then wait in the transaction, as every claim did before claims apart."""
    transaction = session.get_transaction()
    held: tuple[object, set[int]] | None = session.info.get(_HELD)
    if held is None or held[0] is not transaction:
        held = session.info[_HELD] = (transaction, set())
    return held[1]


class ListFull(ServiceUnavailable):
    """No free position although the list looked open (its counter lost track): the request
    can be retried; it is the service's state, not the caller's input, so 503, not 500."""

    def __init__(self, public_id: str) -> None:
        super().__init__(f"status list {public_id} is full")
