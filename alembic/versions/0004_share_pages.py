"""share pages: learner record share links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_shares",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_by_client", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_shares_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_record_shares_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_shares_learner_id"))
        batch_op.drop_index(batch_op.f("ix_record_shares_org_id"))
    op.drop_table("record_shares")
