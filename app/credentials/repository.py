"""All queries on issued credentials."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import IssuedCredential


def by_uuid(session: Session, uuid: str) -> IssuedCredential | None:
    return session.get(IssuedCredential, uuid)


def by_credential_id(session: Session, credential_id: str) -> IssuedCredential | None:
    stmt = select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)
    return session.exec(stmt).first()
