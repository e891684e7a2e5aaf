"""page settings: LinkedIn organization id, indexing opt-in, grade on the public page

Organizations get ``linkedin_organization_id`` (LinkedIn's organizationId for "Add to profile")
and ``indexable`` (certificate pages carry ``noindex`` unless it is true). Courses get
``public_grade``: the public page shows the grade only when it is true. Existing rows take the
private defaults: pages of existing courses stop showing grades (the credentials keep them when
``show_grade`` is on) and every existing organization's pages become ``noindex`` until it opts in.

Revision ID: 0013_page_settings
Revises: 0009
Create Date: 2026-11-30 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013_page_settings"
down_revision: str | None = "0012_key_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of "organizations" would drop a table
    # that other tables' foreign keys point to.
    op.add_column(
        "organizations", sa.Column("linkedin_organization_id", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "organizations",
        sa.Column("indexable", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "courses",
        sa.Column("public_grade", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("courses", "public_grade")
    op.drop_column("organizations", "indexable")
    op.drop_column("organizations", "linkedin_organization_id")
