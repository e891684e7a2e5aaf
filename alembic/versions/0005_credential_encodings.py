"""credential encodings: VC-JWT forms of issued credentials

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_encodings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("alg", sa.String(length=8), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_uuid"], ["credentials.uuid"]),
        sa.ForeignKeyConstraint(["key_id"], ["signing_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_uuid", "profile", "alg", name="uq_credential_encoding"),
    )
    with op.batch_alter_table("credential_encodings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_encodings_credential_uuid"), ["credential_uuid"]
        )
        batch_op.create_index(batch_op.f("ix_credential_encodings_key_id"), ["key_id"])


def downgrade() -> None:
    with op.batch_alter_table("credential_encodings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_encodings_key_id"))
        batch_op.drop_index(batch_op.f("ix_credential_encodings_credential_uuid"))
    op.drop_table("credential_encodings")
