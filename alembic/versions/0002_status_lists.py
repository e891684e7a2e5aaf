"""status lists, entries, events; credential status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:26:54.662695
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_version", sa.Integer(), nullable=False),
        sa.Column("signed_document", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_lists_full"), ["full"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_lists_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_lists_public_id"), ["public_id"], unique=True)

    op.create_table(
        "status_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("is_set", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_uuid"],
            ["credentials.uuid"],
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id", "position", name="uq_status_entry_position"),
    )
    with op.batch_alter_table("status_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_entries_credential_uuid"), ["credential_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_status_entries_list_id"), ["list_id"], unique=False)

    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_uuid"],
            ["credentials.uuid"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_events_credential_uuid"), ["credential_uuid"], unique=False
        )

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("awarded_date", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_credentials_status"), ["status"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspension_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("suspension_enabled")

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_status"))
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("awarded_date")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")

    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_events_credential_uuid"))

    op.drop_table("status_events")
    with op.batch_alter_table("status_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_entries_list_id"))
        batch_op.drop_index(batch_op.f("ix_status_entries_credential_uuid"))

    op.drop_table("status_entries")
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_lists_public_id"))
        batch_op.drop_index(batch_op.f("ix_status_lists_org_id"))
        batch_op.drop_index(batch_op.f("ix_status_lists_full"))

    op.drop_table("status_lists")
