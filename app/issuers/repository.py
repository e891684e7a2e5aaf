"""Queries on organizations (the issuers) and their API clients."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from app.db import as_loaded
from app.models import AccessToken, ApiClient, Organization


def by_slug(session: Session, slug: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def by_id(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


_BY_ID = select(Organization).where(Organization.id == bindparam("org_id"))


def caller_org(session: Session, org_id: int) -> Organization | None:
    """The organization of an API call: the one ``token_caller`` read with the token (in the
    session already), else a statement built once (``Session.get`` builds, keys and
    compiles-from-cache a new SELECT on every call)."""
    known = session.identity_map.get(identity_key(Organization, org_id))
    if known is not None:
        return known
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
_ORGS = Organization.__table__  # type: ignore[attr-defined]
_ORG_PREFIX = "organization_"
_ADOPTED = "laurel.caller_org"
_TOKEN_CALLER = (
    sa_select(
        _TOKENS.c.org_id,
        _TOKENS.c.scopes,
        _TOKENS.c.expires_at,
        _CLIENTS.c.client_id,
        _CLIENTS.c.disabled,
        *(column.label(_ORG_PREFIX + column.name) for column in _ORGS.columns),
    )
    .select_from(
        _TOKENS.join(_CLIENTS, _CLIENTS.c.id == _TOKENS.c.client_pk).outerjoin(
            _ORGS, _ORGS.c.id == _TOKENS.c.org_id
        )
    )
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


def token_caller(session: Session, token_hash: str) -> Any:
    """The token's row with its client's id and flag, in one statement (every API call).

    The statement reads the token's organization too (its ``key_version`` is how a worker
    knows its cached signing context is current): ``adopt_org`` puts it in the session, so
    the request's ``caller_org`` costs no second round trip and no ORM load (together about
    a twentieth of an issue's CPU, issue 13)."""
    return session.connection().execute(_TOKEN_CALLER, {"token_hash": token_hash}).first()


def adopt_org(session: Session, row: Any) -> None:
    """The organization ``token_caller`` read joins the session as if loaded by a query
    (``as_loaded``), persistent, so later changes to it are flushed as usual."""
    values = row._mapping
    if values[_ORG_PREFIX + "id"] is None:  # deleted since: caller_org says so
        return
    if session.identity_map.get(identity_key(Organization, values[_ORG_PREFIX + "id"])):
        return  # read earlier in this session: keep that object (and any change to it)
    org = as_loaded(Organization, {c.name: values[_ORG_PREFIX + c.name] for c in _ORGS.columns})
    make_transient_to_detached(org)
    session.add(org)
    # The identity map holds unchanged objects weakly: without a reference the row would be
    # collected before ``caller_org`` asks for it.
    session.info[_ADOPTED] = org


def delete_tokens(session: Session, client_pk: int) -> int:
    """Every access token of one client, expired or not; returns how many."""
    result = session.exec(delete(AccessToken).where(col(AccessToken.client_pk) == client_pk))
    return int(result.rowcount or 0)
