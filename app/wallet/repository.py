"""All queries on wallet offers and OID4VCI nonces.

Every state change that must happen once (the offer used, the pre-authorized code redeemed, a
nonce spent, a transaction-code attempt counted) is one conditional statement whose row count
says whether this caller won: a read-then-write would let two racing requests both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.db import rowcount
from app.models import IssuedCredential, WalletNonce, WalletOffer


def offer_by_id(session: Session, offer_id: str) -> WalletOffer | None:
    return session.get(WalletOffer, offer_id)


def offer_by_token_hash(session: Session, token_hash: str) -> WalletOffer | None:
    stmt = select(WalletOffer).where(WalletOffer.token_hash == token_hash)
    return session.exec(stmt).first()


def offer_by_access_token_hash(session: Session, token_hash: str) -> WalletOffer | None:
    stmt = select(WalletOffer).where(WalletOffer.access_token_hash == token_hash)
    return session.exec(stmt).first()


def offers_for_credential(session: Session, org_id: int, uuid: str) -> list[WalletOffer]:
    stmt = (
        select(WalletOffer)
        .where(WalletOffer.org_id == org_id, WalletOffer.credential_uuid == uuid)
        .order_by(col(WalletOffer.created_at), col(WalletOffer.id))
    )
    return list(session.exec(stmt))


def bound_copies(session: Session, credential_uuid: str) -> list[IssuedCredential]:
    """The wallet copies issued from one awarded credential."""
    stmt = (
        select(IssuedCredential)
        .join(WalletOffer, col(WalletOffer.issued_uuid) == col(IssuedCredential.uuid))
        .where(WalletOffer.source_uuid == credential_uuid)
    )
    return list(session.exec(stmt))


def mark_used(
    session: Session,
    offer_id: str,
    now: datetime,
    holder_did: str,
    protocol: str,
    source_uuid: str,
) -> bool:
    """Claim the offer: True for exactly one caller, ever."""
    stmt = (
        update(WalletOffer)
        .where(
            col(WalletOffer.id) == offer_id,
            col(WalletOffer.used_at).is_(None),
            col(WalletOffer.revoked_at).is_(None),
        )
        .values(used_at=now, holder_did=holder_did, protocol=protocol, source_uuid=source_uuid)
    )
    return rowcount(session, stmt) == 1


def set_issued(session: Session, offer_id: str, issued_uuid: str) -> None:
    stmt = (
        update(WalletOffer).where(col(WalletOffer.id) == offer_id).values(issued_uuid=issued_uuid)
    )
    rowcount(session, stmt)


def take_tx_code_attempt(session: Session, offer_id: str, limit: int) -> bool:
    """Count one transaction-code attempt; False once ``limit`` attempts were made."""
    stmt = (
        update(WalletOffer)
        .where(col(WalletOffer.id) == offer_id, col(WalletOffer.tx_code_attempts) < limit)
        .values(tx_code_attempts=col(WalletOffer.tx_code_attempts) + 1)
    )
    return rowcount(session, stmt) == 1


def redeem_code(
    session: Session, offer_id: str, now: datetime, token_hash: str, token_expires_at: datetime
) -> bool:
    """Exchange the pre-authorized code for an access token: once per offer."""
    stmt = (
        update(WalletOffer)
        .where(
            col(WalletOffer.id) == offer_id,
            col(WalletOffer.code_redeemed_at).is_(None),
            col(WalletOffer.used_at).is_(None),
            col(WalletOffer.revoked_at).is_(None),
        )
        .values(
            code_redeemed_at=now,
            access_token_hash=token_hash,
            access_token_expires_at=token_expires_at,
        )
    )
    return rowcount(session, stmt) == 1


def withdraw(session: Session, offer_id: str, now: datetime) -> bool:
    stmt = (
        update(WalletOffer)
        .where(
            col(WalletOffer.id) == offer_id,
            col(WalletOffer.used_at).is_(None),
            col(WalletOffer.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    return rowcount(session, stmt) == 1


# -- nonces ----------------------------------------------------------------------------------


def spend_nonce(session: Session, nonce_hash: str, now: datetime, expires_at: datetime) -> bool:
    """Record a (signed, unexpired) nonce as used: True the first time, False ever after.

    Nonces are stateless until used (app/wallet/nonces.py), so only spent ones are rows; the
    primary key makes the second use lose, even when two requests race."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(WalletNonce)
        .values(nonce_hash=nonce_hash, created_at=now, expires_at=expires_at, used_at=now)
        .on_conflict_do_nothing(index_elements=["nonce_hash"])
        .returning(col(WalletNonce.nonce_hash))  # a row only when this insert won
    )
    return session.execute(stmt).first() is not None


def purge_nonces(session: Session, before: datetime) -> None:
    """Spent nonces are kept only until they expire: after that their signature refuses them."""
    session.exec(delete(WalletNonce).where(col(WalletNonce.expires_at) < before))
