"""Status lists: random index allocation, status changes, signed publication.

Indexes are drawn at random (BSL §6.1 herd privacy) and a unique constraint on
(list, position) makes reuse impossible even across workers; the caller retries on a clash.
A list is signed in the transaction that creates it and re-signed, under its row lock, in the
one that changes a bit (or revokes the key that signed it): reads serve what is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any

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
from app.errors import ServiceUnavailable
from app.issuers import repository as orgs
from app.issuers.identity import IssuerIdentity
from app.models import Organization, StatusEntry, StatusList
from app.models.enums import StatusListFormat

_RANDOM_TRIES = 8


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

    @staticmethod
    def _claim(session: Session, status_list: OpenList, count: int) -> int | None:
        """Claim ``count`` slots; None when the list cannot take them (full or gone)."""
        return repository.claim_slots(session, status_list.id, count)

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
        self._sign(session, status_list)  # all zeros: valid until a bit changes
        snapshot = OpenList.of(status_list)
        claimed = self._claim(session, snapshot, count)
        assert claimed is not None
        return snapshot, claimed

    def _positions(
        self, session: Session, status_list: OpenList, count: int, careful: bool
    ) -> list[int]:
        if count > 1 and not careful:
            return self._free_positions(session, status_list, count)
        if not careful:
            return [secrets.randbelow(status_list.size)]
        chosen: list[int] = []
        for _ in range(count):
            chosen.append(self._free_position(session, status_list, set(chosen)))
        return chosen

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
        """Flip one entry and re-sign its list, under the list's row lock. Caller commits."""
        status_list = repository.lock_list(session, entry.list_id)
        assert status_list is not None
        entry.is_set = value
        session.add(entry)
        session.flush()
        repository.bump_version(session, entry.list_id)
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
            locked = repository.lock_list(session, status_list.id)
            assert locked is not None
            self._sign(session, locked)
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


class ListFull(ServiceUnavailable):
    """No free position although the list looked open (its counter lost track): the request
    can be retried; it is the service's state, not the caller's input, so 503, not 500."""

    def __init__(self, public_id: str) -> None:
        super().__init__(f"status list {public_id} is full")
