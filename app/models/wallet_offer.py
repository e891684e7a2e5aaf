"""A one-time offer to put an awarded credential into the learner's wallet.

The offer is a capability: whoever holds its token may claim the credential into a wallet they
control. Only a SHA-256 of the token is stored (so is the OID4VCI access token, and the
transaction code), so a copy of the database claims nothing. The token serves as the VC-API
exchange id and the OID4VCI pre-authorized code; the challenge is not secret.

Single use is a database condition, not a check before a write: ``used_at`` is set by
``UPDATE ... WHERE used_at IS NULL`` in the unit of work that issues the bound credential, so
two racing claims cannot both win. ``source_uuid`` and ``issued_uuid`` link the awarded
credential to the wallet copy bound to ``holder_did``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.db import utcnow


class WalletOffer(SQLModel, table=True):
    __tablename__ = "wallet_offers"

    #: Public, non-secret id (for the LMS: list, withdraw).
    id: str = Field(primary_key=True, max_length=36)
    #: SHA-256 (hex) of the secret offer token.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    org_id: int = Field(foreign_key="organizations.id", index=True)
    #: The awarded credential this offer copies (the LMS's copy; it stays valid).
    credential_uuid: str = Field(foreign_key="credentials.uuid", index=True, max_length=36)
    learner_id: int | None = Field(default=None, foreign_key="learners.id", index=True)
    #: When set, only a wallet proving control of this DID may claim.
    expected_did: str | None = Field(default=None, max_length=500)
    #: VC-API / LCW DID-authentication challenge (also the exchange's transaction id).
    challenge: str = Field(max_length=64)
    tx_code_hash: str | None = Field(default=None, max_length=64)
    tx_code_length: int | None = Field(default=None)
    #: Token requests that tried a transaction code (bounded: 6 digits cannot be guessed
    #: in MAX_TX_CODE_ATTEMPTS tries).
    tx_code_attempts: int = Field(default=0)
    #: OID4VCI: when the pre-authorized code was exchanged (once), and the token it gave.
    code_redeemed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    access_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    access_token_expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_by_client: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    #: Set once, when the bound credential is issued.
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    holder_did: str | None = Field(default=None, max_length=500)
    #: "lcw" (bare DID-auth presentation), "vc-api" (exchange) or "oid4vci".
    protocol: str | None = Field(default=None, max_length=16)
    #: The awarded credential actually copied (``credential_uuid`` or, after a re-issue, its
    #: successor) and the wallet copy issued from it.
    source_uuid: str | None = Field(
        default=None, foreign_key="credentials.uuid", index=True, max_length=36
    )
    issued_uuid: str | None = Field(
        default=None, foreign_key="credentials.uuid", index=True, max_length=36
    )
