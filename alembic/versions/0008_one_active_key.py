"""signing_keys: at most one active key per organization and type (partial unique indexes)

Concurrent rotations could leave several active keys. Existing duplicates are settled
first: the newest stays active, the others are retired (still published, so everything
they signed keeps verifying).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = sa.text("status = 'active'")
_ACTIVE_INSTANCE = sa.text("status = 'active' AND org_id IS NULL")


def upgrade() -> None:
    op.execute(
        """
        UPDATE signing_keys SET status = 'retired', retired_at = CURRENT_TIMESTAMP
        WHERE status = 'active' AND EXISTS (
            SELECT 1 FROM signing_keys newer
            WHERE newer.status = 'active'
              AND newer.key_type = signing_keys.key_type
              AND (newer.org_id = signing_keys.org_id
                   OR (newer.org_id IS NULL AND signing_keys.org_id IS NULL))
              AND newer.id > signing_keys.id
        )
        """
    )
    op.create_index(
        "uq_signing_keys_one_active",
        "signing_keys",
        ["org_id", "key_type"],
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    )
    op.create_index(
        "uq_signing_keys_one_active_instance",
        "signing_keys",
        ["key_type"],
        unique=True,
        postgresql_where=_ACTIVE_INSTANCE,
        sqlite_where=_ACTIVE_INSTANCE,
    )


def downgrade() -> None:
    op.drop_index("uq_signing_keys_one_active_instance", table_name="signing_keys")
    op.drop_index("uq_signing_keys_one_active", table_name="signing_keys")
