"""e-mail outbox, mail preferences, validity periods and renewal

The outbox holds every e-mail in the transaction of the event that causes it (laurel worker
sends them). Courses and programs may carry an ISO 8601 validity period; credentials then
carry ``valid_until`` (for reminders) and a renewed credential names the one it renews.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("credential_uuid", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=1000), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_outbox_state_next_attempt", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_org_id", "outbox", ["org_id"])
    op.create_index("ix_outbox_learner_id", "outbox", ["learner_id"])
    op.create_table(
        "org_mail_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "kind", name="uq_org_mail_kind"),
    )
    op.create_index("ix_org_mail_kinds_org_id", "org_mail_kinds", ["org_id"])
    op.create_table(
        "mail_unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("learner_id", "kind", name="uq_mail_unsubscribe"),
    )
    op.create_index("ix_mail_unsubscribes_learner_id", "mail_unsubscribes", ["learner_id"])
    with op.batch_alter_table("courses") as batch_op:
        batch_op.add_column(sa.Column("validity", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("renewal_window", sa.String(length=32), nullable=True))
    with op.batch_alter_table("programs") as batch_op:
        batch_op.add_column(sa.Column("validity", sa.String(length=32), nullable=True))
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("renewal_of", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_credentials_valid_until", ["valid_until"])
        batch_op.create_index("ix_credentials_renewal_of", ["renewal_of"])


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.drop_index("ix_credentials_renewal_of")
        batch_op.drop_index("ix_credentials_valid_until")
        batch_op.drop_column("renewal_of")
        batch_op.drop_column("valid_until")
    with op.batch_alter_table("programs") as batch_op:
        batch_op.drop_column("validity")
    with op.batch_alter_table("courses") as batch_op:
        batch_op.drop_column("renewal_window")
        batch_op.drop_column("validity")
    op.drop_table("mail_unsubscribes")
    op.drop_table("org_mail_kinds")
    op.drop_table("outbox")
