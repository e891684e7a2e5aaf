"""Open edX: connected sites, course organization codes, usernames, certificate states

An organization's Open edX site (JWT issuer, audience, HS256 secret or JWKS URL, service
user, event-bus topic prefix), the course organization codes whose runs it owns, the LMS
usernames of its learners, and the LMS's latest word (awarded/revoked, LMS time) on each
certificate. Programs get the LMS's id (``external_id``: the Open edX program uuid).

Revision ID: 0010_openedx
Revises: 0009
Create Date: 2026-11-30 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010_openedx"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "openedx_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("jwt_issuer", sa.String(length=500), nullable=False),
        sa.Column("jwt_audience", sa.String(length=500), nullable=False),
        sa.Column("jwt_secret", sa.String(length=1000), nullable=True),
        sa.Column("jwks_url", sa.String(length=2000), nullable=True),
        sa.Column("service_user", sa.String(length=150), nullable=False),
        sa.Column("topic_prefix", sa.String(length=100), nullable=True),
        sa.Column("lms_url", sa.String(length=500), nullable=True),
        sa.Column("lms_client_id", sa.String(length=255), nullable=True),
        sa.Column("lms_client_secret", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id"),
    )
    op.create_index(
        "ix_openedx_connections_jwt_issuer", "openedx_connections", ["jwt_issuer"]
    )
    op.create_table(
        "openedx_course_orgs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["openedx_connections.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "ix_openedx_course_orgs_connection_id", "openedx_course_orgs", ["connection_id"]
    )
    op.create_index("ix_openedx_course_orgs_org_id", "openedx_course_orgs", ["org_id"])
    op.create_table(
        "openedx_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("lms_user_id", sa.String(length=64), nullable=True),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "username", name="uq_openedx_user_username"),
    )
    op.create_index(
        "ix_openedx_users_org_lms_user_id", "openedx_users", ["org_id", "lms_user_id"]
    )
    op.create_index("ix_openedx_users_learner_id", "openedx_users", ["learner_id"])
    op.create_table(
        "openedx_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("course_run_key", sa.String(length=255), nullable=True),
        sa.Column("program_uuid", sa.String(length=64), nullable=True),
        sa.Column("mode", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lms_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visible_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_override", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credential_uuid", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sa.UniqueConstraint(
            "org_id", "learner_id", "credential_key", name="uq_openedx_certificate"
        ),
    )
    op.create_index("ix_openedx_certificates_org_id", "openedx_certificates", ["org_id"])
    op.create_index(
        "ix_openedx_certificates_learner_id", "openedx_certificates", ["learner_id"]
    )
    with op.batch_alter_table("programs") as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            "uq_program_org_external_id", ["org_id", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("programs") as batch_op:
        batch_op.drop_constraint("uq_program_org_external_id", type_="unique")
        batch_op.drop_column("external_id")
    op.drop_index("ix_openedx_certificates_learner_id", table_name="openedx_certificates")
    op.drop_index("ix_openedx_certificates_org_id", table_name="openedx_certificates")
    op.drop_table("openedx_certificates")
    op.drop_index("ix_openedx_users_learner_id", table_name="openedx_users")
    op.drop_index("ix_openedx_users_org_lms_user_id", table_name="openedx_users")
    op.drop_table("openedx_users")
    op.drop_index("ix_openedx_course_orgs_org_id", table_name="openedx_course_orgs")
    op.drop_index("ix_openedx_course_orgs_connection_id", table_name="openedx_course_orgs")
    op.drop_table("openedx_course_orgs")
    op.drop_index("ix_openedx_connections_jwt_issuer", table_name="openedx_connections")
    op.drop_table("openedx_connections")
