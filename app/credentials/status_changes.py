"""Revoke, suspend, reinstate: one credential's status, its history, and its list bits.

Each change takes the credential's row lock first and decides on the status it reads under
it, so concurrent changes serialize: revocation is final under any interleaving, and every
history event is a real change. Bits are flipped (and their lists re-signed) in the same
transaction, which the caller owns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.credentials import repository as credentials
from app.credentials import status_repository as repository
from app.credentials.status_lists import StatusListService
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.models import IssuedCredential, StatusEvent
from app.models.enums import CredentialStatus, StatusAction, StatusPurpose


@dataclass(frozen=True)
class Cascade:
    """Another credential a revocation takes with it (a program award, a wallet copy)."""

    record: IssuedCredential
    reason: str


#: Called after a revocation inside the same transaction; names the credentials that fall
#: with it, which this service then revokes (under their own row locks).
RevocationListener = Callable[[Session, IssuedCredential, str | None], Iterable[Cascade]]


class CredentialStatusService:
    def __init__(
        self, lists: StatusListService, on_revoked: Sequence[RevocationListener] = ()
    ) -> None:
        self.lists = lists
        #: What other aggregates do when a credential is revoked, wired by the container.
        self.on_revoked = tuple(on_revoked)

    @staticmethod
    def get_owned_by_credential_id(
        session: Session, org_id: int, credential_id: str
    ) -> IssuedCredential:
        """By the credential's ``id`` (VC-API ``credentialId``), scoped like ``get_owned``."""
        record = credentials.by_credential_id(session, credential_id)
        if record is None or record.org_id != org_id:
            raise NotFound(f'no credential "{credential_id}"', field="credentialId")
        return record

    def get_owned(self, session: Session, org_id: int, uuid: str) -> IssuedCredential:
        """Another organization's credential is indistinguishable from a missing one."""
        record = credentials.by_uuid(session, uuid.lower())
        if record is None or record.org_id != org_id:
            raise NotFound(f'no credential "{uuid}"', field="uuid")
        return record

    def revoke(
        self, session: Session, record: IssuedCredential, reason: str | None, actor: str | None
    ) -> IssuedCredential:
        previous = credentials.lock(session, record).status
        if previous == CredentialStatus.REVOKED:
            raise Conflict(
                "the credential is already revoked (revocation is final)", field="status"
            )
        self._flip(session, record, StatusPurpose.REVOCATION, True)
        if previous == CredentialStatus.SUSPENDED:
            self._flip(session, record, StatusPurpose.SUSPENSION, False, required=False)
        self._change(session, record, CredentialStatus.REVOKED, StatusAction.REVOKED, reason, actor)
        self._cascade(session, record, actor)
        return record

    def _cascade(self, session: Session, record: IssuedCredential, actor: str | None) -> None:
        """What falls with a revoked credential (program awards, wallet copies), each
        revoked under its own row lock."""
        for listener in self.on_revoked:
            for follower in list(listener(session, record, actor)):
                if credentials.lock(session, follower.record).status != CredentialStatus.REVOKED:
                    self.revoke(session, follower.record, follower.reason, actor)

    def revoke_many(
        self,
        session: Session,
        changes: list[tuple[IssuedCredential, str | None]],
        actor: str | None,
    ) -> list[IssuedCredential]:
        """``revoke`` for a batch of (credential, reason): the row locks in one statement,
        the bits, statuses and history rows in a few (inside ``deferred_signing``, one
        re-sign per list at its end); the cascades one credential at a time, as ``revoke``
        runs them. A credential found revoked under its lock is left as it is (``revoke``
        would refuse it). Returns the credentials revoked now."""
        locked = credentials.lock_many(session, [record.uuid for record, _ in changes])
        todo = [
            (locked[record.uuid], reason, locked[record.uuid].status)
            for record, reason in changes
            if record.uuid in locked and locked[record.uuid].status != CredentialStatus.REVOKED
        ]
        entries = repository.entries_of_many(session, [record.uuid for record, _, _ in todo])
        flips = []
        for record, _, previous in todo:
            by_purpose = {status_list.purpose: entry for entry, status_list in entries[record.uuid]}
            if StatusPurpose.REVOCATION not in by_purpose:
                raise Conflict("the credential carries no revocation status entry", field="status")
            flips.append((by_purpose[StatusPurpose.REVOCATION], True))
            if previous == CredentialStatus.SUSPENDED and StatusPurpose.SUSPENSION in by_purpose:
                flips.append((by_purpose[StatusPurpose.SUSPENSION], False))
        self.lists.set_bits(session, flips)
        credentials.set_statuses(
            session,
            [
                (record, CredentialStatus.REVOKED, reason, StatusAction.REVOKED, actor)
                for record, reason, _ in todo
            ],
        )
        for record, _, _ in todo:
            for listener in self.on_revoked:  # the cascades (programs, wallet copies)
                for follower in list(listener(session, record, actor)):
                    if (
                        credentials.lock(session, follower.record).status
                        != CredentialStatus.REVOKED
                    ):
                        self.revoke(session, follower.record, follower.reason, actor)
        return [record for record, _, _ in todo]

    def suspend(
        self, session: Session, record: IssuedCredential, reason: str | None, actor: str | None
    ) -> IssuedCredential:
        status = credentials.lock(session, record).status
        if status == CredentialStatus.REVOKED:
            raise Conflict("a revoked credential cannot be suspended", field="status")
        if status == CredentialStatus.SUSPENDED:
            raise Conflict("the credential is already suspended", field="status")
        self._flip(session, record, StatusPurpose.SUSPENSION, True)
        return self._change(
            session, record, CredentialStatus.SUSPENDED, StatusAction.SUSPENDED, reason, actor
        )

    def reinstate(
        self, session: Session, record: IssuedCredential, reason: str | None, actor: str | None
    ) -> IssuedCredential:
        status = credentials.lock(session, record).status
        if status != CredentialStatus.SUSPENDED:
            raise Conflict(
                f"only a suspended credential can be reinstated (it is "
                f"{status}; revocation is final)",
                field="status",
            )
        self._flip(session, record, StatusPurpose.SUSPENSION, False)
        return self._change(
            session, record, CredentialStatus.ACTIVE, StatusAction.REINSTATED, reason, actor
        )

    def history(self, session: Session, uuid: str) -> list[StatusEvent]:
        stmt = (
            select(StatusEvent)
            .where(StatusEvent.credential_uuid == uuid)
            .order_by(col(StatusEvent.at), col(StatusEvent.id))
        )
        return list(session.exec(stmt))

    def _flip(
        self,
        session: Session,
        record: IssuedCredential,
        purpose: str,
        value: bool,
        *,
        required: bool = True,
    ) -> None:
        for entry, status_list in repository.entries_of(session, record.uuid):
            if status_list.purpose == purpose:
                self.lists.set_bit(session, entry, value)
                return
        if required:
            raise Conflict(
                f"the credential carries no {purpose} status entry "
                f"(suspension must be enabled when it is issued)",
                field="status",
            )

    @staticmethod
    def _change(
        session: Session,
        record: IssuedCredential,
        status: str,
        action: str,
        reason: str | None,
        actor: str | None,
    ) -> IssuedCredential:
        record.status = status
        record.status_reason = reason
        session.add(record)
        session.add(
            StatusEvent(
                credential_uuid=record.uuid, action=action, reason=reason, actor=actor, at=utcnow()
            )
        )
        session.flush()
        return record
