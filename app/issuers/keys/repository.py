"""All queries on signing keys."""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import KeyStatus, Organization, SigningKey


def lock_owner(session: Session, org_id: int) -> None:
    """Serialize key changes of one organization until the transaction ends.

    PostgreSQL: ``FOR NO KEY UPDATE`` on the organization's row (inserts that reference the
    organization are not blocked). SQLite has no row locks; it serializes writers already.
    """
    stmt = select(Organization.id).where(Organization.id == org_id).with_for_update(key_share=True)
    session.exec(stmt).first()


def bump_key_version(session: Session, org_id: int) -> None:
    """A fresh random version (never one a rolled-back change wrote); objects of the
    organization already in the session see the new value."""
    session.execute(
        update(Organization)
        .where(col(Organization.id) == org_id)
        .values(key_version=secrets.randbits(62) + 1)
    )


def active_key(session: Session, org_id: int | None, key_type: str) -> SigningKey | None:
    stmt = (
        select(SigningKey)
        .where(
            SigningKey.org_id == org_id if org_id is not None else col(SigningKey.org_id).is_(None),
            SigningKey.key_type == key_type,
            SigningKey.status == KeyStatus.ACTIVE,
        )
        .order_by(col(SigningKey.created_at).desc(), col(SigningKey.id).desc())
    )
    return session.exec(stmt).first()


def published_keys(session: Session, org_id: int | None) -> list[SigningKey]:
    """Active and retired keys: what DID documents and JWKS list."""
    stmt = (
        select(SigningKey)
        .where(
            SigningKey.org_id == org_id if org_id is not None else col(SigningKey.org_id).is_(None),
            col(SigningKey.status).in_([KeyStatus.ACTIVE, KeyStatus.RETIRED]),
        )
        .order_by(col(SigningKey.id))
    )
    return list(session.exec(stmt))


def all_published_keys(session: Session) -> list[SigningKey]:
    stmt = (
        select(SigningKey)
        .where(col(SigningKey.status).in_([KeyStatus.ACTIVE, KeyStatus.RETIRED]))
        .order_by(col(SigningKey.id))
    )
    return list(session.exec(stmt))


def all_keys(session: Session, org_id: int | None = None) -> list[SigningKey]:
    stmt = select(SigningKey).order_by(col(SigningKey.id))
    if org_id is not None:
        stmt = stmt.where(SigningKey.org_id == org_id)
    return list(session.exec(stmt))


def by_fragment(session: Session, fragment: str) -> SigningKey | None:
    return session.exec(select(SigningKey).where(SigningKey.fragment == fragment)).first()
