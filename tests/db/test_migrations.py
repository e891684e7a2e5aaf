"""The Alembic migrations build exactly the schema the models describe, and go back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(tmp_path) -> None:
    from alembic import command
    from app.db import make_engine
    from app.migrations import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    upgrade(engine)
    engine.dispose()


def test_0008_settles_existing_duplicate_active_keys(tmp_path) -> None:
    """Databases hit by concurrent rotations before 0008: the newest key stays active."""
    from sqlalchemy import text

    from alembic import command
    from app.db import make_engine
    from app.migrations import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0007")
        connection.execute(
            text(
                "INSERT INTO organizations (id, slug, name, did_method, created_at) "
                "VALUES (1, 'acme', 'Acme', 'web', CURRENT_TIMESTAMP)"
            )
        )
        for key_id, org_id in ((1, 1), (2, 1), (3, 1), (4, None), (5, None)):
            connection.execute(
                text(
                    "INSERT INTO signing_keys (id, org_id, fragment, key_type, status, "
                    "public_jwk, file_name, created_at) VALUES (:id, :org, :f, 'Ed25519', "
                    "'active', '{}', 'k.pem', CURRENT_TIMESTAMP)"
                ),
                {"id": key_id, "org": org_id, "f": f"k{key_id}"},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM signing_keys ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, "retired"),
        (2, "retired"),
        (3, "active"),
        (4, "retired"),
        (5, "active"),
    ]
