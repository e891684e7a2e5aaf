"""The SQLite file holds learner data: created 0600, and SQLite's -wal and -shm follow it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from app.db import make_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_and_its_wal_files_are_0600(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        db = tmp_path / "laurel.db"
        engine = make_engine(f"sqlite:///{db}")
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            connection.commit()
            files = {p.name: _mode(p) for p in tmp_path.iterdir()}
        engine.dispose()
    finally:
        os.umask(previous)
    assert files == {"laurel.db": 0o600, "laurel.db-wal": 0o600, "laurel.db-shm": 0o600}


def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    db = tmp_path / "laurel.db"
    db.touch(mode=0o640)
    db.chmod(0o640)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert _mode(db) == 0o640
