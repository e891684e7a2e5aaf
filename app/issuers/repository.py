"""Queries on organizations (the issuers) and their API clients."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.models import AccessToken, ApiClient, Organization


def by_slug(session: Session, slug: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def by_id(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


def list_all(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.slug))))


def client_by_client_id(session: Session, client_id: str) -> ApiClient | None:
    return session.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()


def clients(session: Session, org_id: int | None = None) -> list[ApiClient]:
    stmt = select(ApiClient).order_by(col(ApiClient.org_id), col(ApiClient.id))
    if org_id is not None:
        stmt = stmt.where(ApiClient.org_id == org_id)
    return list(session.exec(stmt))


def delete_tokens(session: Session, client_pk: int) -> int:
    """Every access token of one client, expired or not; returns how many."""
    result = session.exec(delete(AccessToken).where(col(AccessToken.client_pk) == client_pk))
    return int(result.rowcount or 0)
