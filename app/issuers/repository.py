"""Queries on organizations (the issuers)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Organization


def by_slug(session: Session, slug: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def by_id(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


def list_all(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.slug))))
