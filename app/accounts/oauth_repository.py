"""Queries of the OB 3.0 / CLR 2.0 API: registered clients, codes, tokens, received
credentials and API profiles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from app.db import rowcount
from app.models import (
    ApiProfile,
    OAuthClient,
    OAuthCode,
    OAuthToken,
    ReceivedCredential,
)


def client_by_client_id(session: Session, client_id: str) -> OAuthClient | None:
    return session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()


def client_by_pk(session: Session, pk: int) -> OAuthClient | None:
    return session.get(OAuthClient, pk)


def code_by_hash(session: Session, code_hash: str) -> OAuthCode | None:
    return session.get(OAuthCode, code_hash)


def spend_code(session: Session, code_hash: str, now: datetime) -> bool:
    """Marks the code used unless it already was: True for exactly one caller, also when two
    token requests race (a conditional update, not a read-then-write)."""
    stmt = (
        update(OAuthCode)
        .where(col(OAuthCode.code_hash) == code_hash, col(OAuthCode.used_at).is_(None))
        .values(used_at=now)
    )
    return rowcount(session, stmt) == 1


def token_by_hash(session: Session, token_hash: str) -> OAuthToken | None:
    return session.get(OAuthToken, token_hash)


def rotate_refresh(session: Session, token_hash: str, now: datetime) -> bool:
    """Marks a live refresh token rotated: True for exactly one caller."""
    stmt = (
        update(OAuthToken)
        .where(
            col(OAuthToken.token_hash) == token_hash,
            col(OAuthToken.rotated_at).is_(None),
            col(OAuthToken.revoked_at).is_(None),
        )
        .values(rotated_at=now)
    )
    return rowcount(session, stmt) == 1


def revoke_family(session: Session, family: str, now: datetime) -> int:
    stmt = (
        update(OAuthToken)
        .where(col(OAuthToken.family) == family, col(OAuthToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return rowcount(session, stmt)


def revoke_token(session: Session, token_hash: str, now: datetime) -> int:
    stmt = (
        update(OAuthToken)
        .where(col(OAuthToken.token_hash) == token_hash, col(OAuthToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return rowcount(session, stmt)


def received_of(session: Session, account_id: int) -> list[ReceivedCredential]:
    return list(
        session.exec(
            select(ReceivedCredential)
            .where(ReceivedCredential.account_id == account_id)
            .order_by(col(ReceivedCredential.created_at), col(ReceivedCredential.id))
        ).all()
    )


def received_by_identity(
    session: Session, account_id: int, identity_hash: str
) -> ReceivedCredential | None:
    return session.exec(
        select(ReceivedCredential).where(
            ReceivedCredential.account_id == account_id,
            ReceivedCredential.identity_hash == identity_hash,
        )
    ).first()


def api_profile(session: Session, account_id: int) -> ApiProfile | None:
    return session.get(ApiProfile, account_id)


def live_tokens(session: Session, account_id: int, now: datetime) -> list[OAuthToken]:
    """The person's tokens that still work (not revoked, not expired), newest first."""
    return list(
        session.exec(
            select(OAuthToken)
            .where(
                OAuthToken.account_id == account_id,
                col(OAuthToken.revoked_at).is_(None),
                col(OAuthToken.expires_at) > now,
            )
            .order_by(col(OAuthToken.created_at).desc())
        ).all()
    )


def ever_granted(session: Session, account_id: int, client_pk: int) -> bool:
    """Whether the person ever gave this client a token (live, expired or revoked)."""
    stmt = select(OAuthToken.token_hash).where(
        OAuthToken.account_id == account_id, OAuthToken.client_pk == client_pk
    )
    return session.exec(stmt.limit(1)).first() is not None


def revoke_client_grants(session: Session, account_id: int, client_pk: int, now: datetime) -> int:
    stmt = (
        update(OAuthToken)
        .where(
            col(OAuthToken.account_id) == account_id,
            col(OAuthToken.client_pk) == client_pk,
            col(OAuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    return rowcount(session, stmt)
