"""lms catalog: courses, programs, learners, grades, awards, audit, idempotency

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:40:53.199792
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("learner_lms_id", sa.String(length=255), nullable=True),
        sa.Column("course_run", sa.String(length=255), nullable=True),
        sa.Column("program_slug", sa.String(length=100), nullable=True),
        sa.Column("credential_uuid", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_learner_lms_id"), ["learner_lms_id"], unique=False
        )
        batch_op.create_index("ix_audit_events_org_at", ["org_id", "at"], unique=False)

    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("course_key", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("passing_grade", sa.Float(), nullable=False),
        sa.Column("certificate_modes", sa.JSON(), nullable=False),
        sa.Column("grade_bands", sa.JSON(), nullable=False),
        sa.Column("signatories", sa.JSON(), nullable=False),
        sa.Column("certificate_available_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("achievement_type", sa.String(length=64), nullable=False),
        sa.Column("criteria_narrative", sa.Text(), nullable=True),
        sa.Column("credit_hours", sa.Float(), nullable=True),
        sa.Column("certifies_on", sa.String(length=16), nullable=False),
        sa.Column("certificates_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "key", name="uq_course_org_key"),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index("ix_courses_org_course_key", ["org_id", "course_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_org_id"), ["org_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "key", name="uq_idempotency_client_key"),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_org_id"), ["org_id"], unique=False)

    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("lms_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("holder_did", sa.String(length=500), nullable=True),
        sa.Column("info_timestamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "lms_id", name="uq_learner_org_lms_id"),
    )
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learners_org_id"), ["org_id"], unique=False)

    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("program_type", sa.String(length=100), nullable=True),
        sa.Column("achievement_type", sa.String(length=64), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("criteria_narrative", sa.Text(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "slug", name="uq_program_org_slug"),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_org_id"), ["org_id"], unique=False)

    op.create_table(
        "course_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("percent_grade", sa.Float(), nullable=True),
        sa.Column("letter_grade", sa.String(length=20), nullable=True),
        sa.Column("mode", sa.String(length=50), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grade_event_id", sa.String(length=200), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_event_id", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("learner_id", "course_id", name="uq_course_grade"),
    )
    with op.batch_alter_table("course_grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_grades_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_course_grades_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_course_grades_org_id"), ["org_id"], unique=False)

    op.create_table(
        "program_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("course_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "course_key", name="uq_program_course"),
    )
    with op.batch_alter_table("program_courses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_program_courses_org_course_key", ["org_id", "course_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_courses_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "course_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("course_key", sa.String(length=255), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("percent_grade", sa.Float(), nullable=True),
        sa.Column("letter_grade", sa.String(length=20), nullable=True),
        sa.Column("band", sa.String(length=100), nullable=True),
        sa.Column("mode", sa.String(length=50), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
        ),
        sa.ForeignKeyConstraint(
            ["credential_uuid"],
            ["credentials.uuid"],
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "learner_id", "course_id", name="uq_course_award"),
    )
    with op.batch_alter_table("course_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_awards_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_course_awards_credential_uuid"), ["credential_uuid"], unique=False
        )
        batch_op.create_index(
            "ix_course_awards_learner_course_key", ["learner_id", "course_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_awards_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_course_awards_org_id"), ["org_id"], unique=False)

    op.create_table(
        "program_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("credential_uuid", sa.String(length=36), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_uuid"],
            ["credentials.uuid"],
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "learner_id", "program_id", name="uq_program_award"),
    )
    with op.batch_alter_table("program_awards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_awards_credential_uuid"), ["credential_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_awards_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_awards_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_program_awards_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "program_award_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_award_id", sa.Integer(), nullable=False),
        sa.Column("course_award_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_award_id"],
            ["course_awards.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_award_id"],
            ["program_awards.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_award_id", "course_award_id", name="uq_program_award_course"),
    )
    with op.batch_alter_table("program_award_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_award_courses_course_award_id"),
            ["course_award_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_program_award_courses_program_award_id"),
            ["program_award_id"],
            unique=False,
        )

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_from", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("public_from")

    with op.batch_alter_table("program_award_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_award_courses_program_award_id"))
        batch_op.drop_index(batch_op.f("ix_program_award_courses_course_award_id"))

    op.drop_table("program_award_courses")
    with op.batch_alter_table("program_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_awards_program_id"))
        batch_op.drop_index(batch_op.f("ix_program_awards_org_id"))
        batch_op.drop_index(batch_op.f("ix_program_awards_learner_id"))
        batch_op.drop_index(batch_op.f("ix_program_awards_credential_uuid"))

    op.drop_table("program_awards")
    with op.batch_alter_table("course_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_awards_org_id"))
        batch_op.drop_index(batch_op.f("ix_course_awards_learner_id"))
        batch_op.drop_index("ix_course_awards_learner_course_key")
        batch_op.drop_index(batch_op.f("ix_course_awards_credential_uuid"))
        batch_op.drop_index(batch_op.f("ix_course_awards_course_id"))

    op.drop_table("course_awards")
    with op.batch_alter_table("program_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_courses_program_id"))
        batch_op.drop_index("ix_program_courses_org_course_key")

    op.drop_table("program_courses")
    with op.batch_alter_table("course_grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_grades_org_id"))
        batch_op.drop_index(batch_op.f("ix_course_grades_learner_id"))
        batch_op.drop_index(batch_op.f("ix_course_grades_course_id"))

    op.drop_table("course_grades")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_org_id"))

    op.drop_table("programs")
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learners_org_id"))

    op.drop_table("learners")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_org_id"))

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_org_id"))
        batch_op.drop_index("ix_courses_org_course_key")

    op.drop_table("courses")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_org_at")
        batch_op.drop_index(batch_op.f("ix_audit_events_learner_lms_id"))

    op.drop_table("audit_events")
