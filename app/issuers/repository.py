"""Queries on organizations (the issuers) and their API clients."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import AccessToken, ApiClient, Organization


def by_slug(session: Session, slug: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def by_id(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


_BY_ID = select(Organization).where(Organization.id == bindparam("org_id"))


def caller_org(session: Session, org_id: int) -> Organization | None:
    """The organization of an API call, first read of the request: a statement built once
    (``Session.get`` builds, keys and compiles-from-cache a new SELECT on every call)."""
    return session.exec(_BY_ID, params={"org_id": org_id}).first()


def list_all(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.slug))))


def client_by_client_id(session: Session, client_id: str) -> ApiClient | None:
    return session.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()


def clients(session: Session, org_id: int | None = None) -> list[ApiClient]:
    stmt = select(ApiClient).order_by(col(ApiClient.org_id), col(ApiClient.id))
    if org_id is not None:
        stmt = stmt.where(ApiClient.org_id == org_id)
    return list(session.exec(stmt))


_TOKENS = AccessToken.__table__  # type: ignore[attr-defined]
_CLIENTS = ApiClient.__table__  # type: ignore[attr-defined]
_TOKEN_CALLER = (
    sa_select(
        _TOKENS.c.org_id,
        _TOKENS.c.scopes,
        _TOKENS.c.expires_at,
        _CLIENTS.c.client_id,
        _CLIENTS.c.disabled,
    )
    .select_from(_TOKENS.join(_CLIENTS, _CLIENTS.c.id == _TOKENS.c.client_pk))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


def token_caller(session: Session, token_hash: str) -> Any:
    """The token's row with its client's id and flag, in one statement (every API call)."""
    return session.connection().execute(_TOKEN_CALLER, {"token_hash": token_hash}).first()


def delete_tokens(session: Session, client_pk: int) -> int:
    """Every access token of one client, expired or not; returns how many."""
    result = session.exec(delete(AccessToken).where(col(AccessToken.client_pk) == client_pk))
    return int(result.rowcount or 0)
