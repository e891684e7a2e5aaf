"""Revoke, suspend, reinstate: one credential's status, its history, and its list bits."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from app.credentials import repository as credentials
from app.credentials import status_repository as repository
from app.credentials.status_lists import StatusListService
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.models import IssuedCredential, StatusEvent
from app.models.enums import CredentialStatus, StatusAction, StatusPurpose

#: Called after a revocation inside the same transaction (e.g. the program cascade).
RevocationListener = Callable[[Session, IssuedCredential, str | None], None]


class CredentialStatusService:
    def __init__(self, lists: StatusListService) -> None:
        self.lists = lists
        self.on_revoked: list[RevocationListener] = []

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
        self,
        session: Session,
        record: IssuedCredential,
        reason: str | None,
        actor: str | None,
        *,
        commit: bool = True,
    ) -> IssuedCredential:
        if record.status == CredentialStatus.REVOKED:
            raise Conflict(
                "the credential is already revoked (revocation is final)", field="status"
            )
        self._flip(session, record, StatusPurpose.REVOCATION, True)
        if record.status == CredentialStatus.SUSPENDED:
            self._flip(session, record, StatusPurpose.SUSPENSION, False, required=False)
        self._change(
            session,
            record,
            CredentialStatus.REVOKED,
            StatusAction.REVOKED,
            reason,
            actor,
            commit=False,
        )
        for listener in self.on_revoked:
            listener(session, record, actor)
        if commit:
            session.commit()
            session.refresh(record)
        return record

    def suspend(
        self, session: Session, record: IssuedCredential, reason: str | None, actor: str | None
    ) -> IssuedCredential:
        if record.status == CredentialStatus.REVOKED:
            raise Conflict("a revoked credential cannot be suspended", field="status")
        if record.status == CredentialStatus.SUSPENDED:
            raise Conflict("the credential is already suspended", field="status")
        self._flip(session, record, StatusPurpose.SUSPENSION, True)
        return self._change(
            session, record, CredentialStatus.SUSPENDED, StatusAction.SUSPENDED, reason, actor, True
        )

    def reinstate(
        self, session: Session, record: IssuedCredential, reason: str | None, actor: str | None
    ) -> IssuedCredential:
        if record.status != CredentialStatus.SUSPENDED:
            raise Conflict(
                f"only a suspended credential can be reinstated (it is "
                f"{record.status}; revocation is final)",
                field="status",
            )
        self._flip(session, record, StatusPurpose.SUSPENSION, False)
        return self._change(
            session, record, CredentialStatus.ACTIVE, StatusAction.REINSTATED, reason, actor, True
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
        commit: bool,
    ) -> IssuedCredential:
        record.status = status
        record.status_reason = reason
        session.add(record)
        session.add(
            StatusEvent(
                credential_uuid=record.uuid, action=action, reason=reason, actor=actor, at=utcnow()
            )
        )
        if commit:
            session.commit()
            session.refresh(record)
        return record
