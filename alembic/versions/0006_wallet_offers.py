"""wallet offers: one-time claim offers (LCW / VC-API exchange, OID4VCI) and c_nonces

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("expected_did", sa.String(length=500), nullable=True),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_length", sa.Integer(), nullable=True),
        sa.Column("tx_code_attempts", sa.Integer(), nullable=False),
        sa.Column("code_redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_client", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_did", sa.String(length=500), nullable=True),
        sa.Column("protocol", sa.String(length=16), nullable=True),
        sa.Column("source_uuid", sa.String(length=36), nullable=True),
        sa.Column("issued_uuid", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["credential_uuid"], ["credentials.uuid"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.ForeignKeyConstraint(["source_uuid"], ["credentials.uuid"]),
        sa.ForeignKeyConstraint(["issued_uuid"], ["credentials.uuid"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wallet_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_token_hash"), ["token_hash"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_wallet_offers_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_credential_uuid"), ["credential_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_access_token_hash"), ["access_token_hash"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_source_uuid"), ["source_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_offers_issued_uuid"), ["issued_uuid"], unique=False
        )

    op.create_table(
        "wallet_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce_hash"),
    )
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_nonces_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_nonces_expires_at"))
    op.drop_table("wallet_nonces")
    with op.batch_alter_table("wallet_offers", schema=None) as batch_op:
        for name in (
            "ix_wallet_offers_issued_uuid",
            "ix_wallet_offers_source_uuid",
            "ix_wallet_offers_access_token_hash",
            "ix_wallet_offers_learner_id",
            "ix_wallet_offers_credential_uuid",
            "ix_wallet_offers_org_id",
            "ix_wallet_offers_token_hash",
        ):
            batch_op.drop_index(batch_op.f(name))
    op.drop_table("wallet_offers")
