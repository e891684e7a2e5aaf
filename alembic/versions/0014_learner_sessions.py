"""learner sign-in: accounts, sessions, OIDC providers and logins, hidden credentials

A person signs in with an organization's OpenID Connect provider (their LMS); the learners
their sign-ins proved are linked to one account. Sessions are server-side (only a hash of the
cookie's token is stored). Hiding a credential is the learner's choice and lives apart from
the signed credential.

Revision ID: 0014_learner_sessions
Revises: 0009
Create Date: 2026-11-30 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014_learner_sessions"
down_revision: str | None = "0013_page_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learner_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "learner_links",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("signin_name", sa.String(length=300), nullable=True),
        sa.Column("last_signin_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("learner_id"),
    )
    op.create_index("ix_learner_links_account_id", "learner_links", ["account_id"])
    op.create_table(
        "learner_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learner_sessions_account_id", "learner_sessions", ["account_id"])
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.String(length=500), nullable=True),
        sa.Column("user_id_claim", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oidc_providers_org_id", "oidc_providers", ["org_id"], unique=True)
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("return_to", sa.String(length=500), nullable=False),
        sa.Column("link_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["link_account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oidc_logins_org_id", "oidc_logins", ["org_id"])
    op.create_table(
        "hidden_credentials",
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_uuid"], ["credentials.uuid"]),
        sa.ForeignKeyConstraint(["account_id"], ["learner_accounts.id"]),
        sa.PrimaryKeyConstraint("credential_uuid"),
    )
    op.create_index("ix_hidden_credentials_account_id", "hidden_credentials", ["account_id"])


def downgrade() -> None:
    op.drop_table("hidden_credentials")
    op.drop_table("oidc_logins")
    op.drop_table("oidc_providers")
    op.drop_table("learner_sessions")
    op.drop_table("learner_links")
    op.drop_table("learner_accounts")
