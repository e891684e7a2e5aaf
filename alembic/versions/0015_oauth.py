"""OB 3.0 / CLR 2.0 API: registered OAuth clients, codes and tokens, received credentials,
API profiles

Clients register themselves (RFC 7591); codes and tokens are stored as SHA-256 hashes and
grouped in families (a replayed code or reused refresh token revokes the family). A host can
put credentials the learner received elsewhere (OB 3.0 §6.2.3) and write their profile.

Revision ID: 0015_oauth
Revises: 0014_learner_sessions (issue 16: the grants belong to learner accounts)
Create Date: 2026-11-30 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015_oauth"
down_revision: str | None = "0014_learner_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("client_uri", sa.String(length=1000), nullable=False),
        sa.Column("logo_uri", sa.String(length=1000), nullable=False),
        sa.Column("tos_uri", sa.String(length=1000), nullable=False),
        sa.Column("policy_uri", sa.String(length=1000), nullable=False),
        sa.Column("software_id", sa.String(length=200), nullable=False),
        sa.Column("software_version", sa.String(length=100), nullable=False),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oauth_clients_client_id", "oauth_clients", ["client_id"], unique=True)
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        _at("expires_at"),
        _at("used_at", nullable=True),
        sa.ForeignKeyConstraint(["client_pk"], ["oauth_clients.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_oauth_codes_client_pk", "oauth_codes", ["client_pk"])
    op.create_index("ix_oauth_codes_account_id", "oauth_codes", ["account_id"])
    op.create_index("ix_oauth_codes_family", "oauth_codes", ["family"])
    op.create_table(
        "oauth_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        _at("expires_at"),
        _at("rotated_at", nullable=True),
        _at("revoked_at", nullable=True),
        _at("created_at"),
        sa.ForeignKeyConstraint(["client_pk"], ["oauth_clients.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_oauth_tokens_client_pk", "oauth_tokens", ["client_pk"])
    op.create_index("ix_oauth_tokens_account_id", "oauth_tokens", ["account_id"])
    op.create_index("ix_oauth_tokens_family", "oauth_tokens", ["family"])
    op.create_table(
        "received_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.Text(), nullable=False),
        sa.Column("issuer_id", sa.Text(), nullable=False),
        sa.Column("issuer_name", sa.String(length=500), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("credential_type", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "identity_hash", name="uq_received_account_identity"),
    )
    op.create_index("ix_received_credentials_account_id", "received_credentials", ["account_id"])
    op.create_table(
        "api_profiles",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("api_profiles")
    op.drop_index("ix_received_credentials_account_id", table_name="received_credentials")
    op.drop_table("received_credentials")
    for name in ("family", "account_id", "client_pk"):
        op.drop_index(f"ix_oauth_tokens_{name}", table_name="oauth_tokens")
        op.drop_index(f"ix_oauth_codes_{name}", table_name="oauth_codes")
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_index("ix_oauth_clients_client_id", table_name="oauth_clients")
    op.drop_table("oauth_clients")
