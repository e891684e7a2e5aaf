"""`laurel import grades`: the API's pipeline, a summary, and resumption without duplicates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app.awards.csv_import import GradeImporter, Interrupted
from app.cli import app
from app.config import Settings, get_settings
from app.container import build_services, prepare
from app.db import session_scope
from app.migrations import upgrade
from app.models import IssuedCredential
from tests.lms import RUN, Lms, at

COLUMNS = ["event_id", "learner_id", "learner_name", "learner_email", "course_run",
           "percent_grade", "letter_grade", "mode", "timestamp"]  # fmt: skip


def _write(path: Path, rows: list[list[object]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _rows() -> list[list[object]]:
    return [
        ["", "u1", "Ann", "ann@example.edu", RUN, "0.91", "A", "verified", at(1)],
        ["", "u2", "Bob", "bob@example.edu", RUN, "0.40", "F", "verified", at(2)],
        ["", "u3", "Cy", "cy@example.edu", RUN, "0.95", "", "audit", at(3)],
        ["", "u4", "Di", "di@example.edu", RUN, "ninety", "", "verified", at(4)],
        ["", "u1", "Ann", "ann@example.edu", RUN, "0.91", "A", "verified", at(1)],  # same row
        ["", "u5", "Ed", "ed@example.edu", "course-v1:Acme+NOPE+1", "0.9", "", "verified", at(5)],
        ["", "u6", "Flo", "flo@example.edu", RUN, "0.8", "", "professional", at(6)],
    ]


def _credentials(lms: Lms) -> int:
    with Session(lms.services.engine) as session:
        return session.exec(select(func.count()).select_from(IssuedCredential)).one()  # type: ignore[no-any-return]


def test_import_summary_and_resume_after_interruption(lms: Lms, tmp_path: Path) -> None:
    lms.course()
    lms.program("one", ["Acme+CS101"])
    path = _write(tmp_path / "grades.csv", _rows())
    importer = GradeImporter(lms.services.grading, lms.services.engine, lms.caller.org, "cli:test")
    seen = 0

    def stop_after_three() -> None:
        nonlocal seen
        seen += 1
        if seen == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        importer.run(path, on_row=stop_after_three)
    assert stopped.value.summary.rows == 3
    assert path.with_name("grades.csv.laurel-progress").exists()
    resumed_at: list[int] = []
    summary = importer.run(path, on_resume=resumed_at.append)
    assert resumed_at == [3]
    assert summary.rows == 7 and summary.resumed_after == 3
    assert summary.issued == 2 and summary.programs_issued == 2
    assert summary.skipped == {"not_passed": 1, "already_awarded": 1}
    assert list(summary.refused.values()) == [1] and "audit" in next(iter(summary.refused))
    assert summary.failed == 2
    assert summary.failures[0].startswith("line 5: percent_grade")
    assert "NOPE" in summary.failures[1]
    assert not path.with_name("grades.csv.laurel-progress").exists()
    assert _credentials(lms) == 4  # u1 and u6: course + program each

    again = importer.run(path)  # a full rerun changes nothing
    assert again.issued == 0 and again.skipped["already_awarded"] == 3
    assert _credentials(lms) == 4
    audit = lms.get("/audit", learner="u6").json()
    assert {e["actor"] for e in audit} == {"cli:test"}


def test_cli_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cli.db"
    env = {
        "LAUREL_DATABASE_URL": f"sqlite:///{db}",
        "LAUREL_KEYS_DIR": str(tmp_path / "keys"),
        "LAUREL_BASE_URL": "https://cli.laurel.test",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        database_url=env["LAUREL_DATABASE_URL"],
        keys_dir=tmp_path / "keys",
        base_url=env["LAUREL_BASE_URL"],
    )
    services = build_services(settings)
    upgrade(services.engine)
    prepare(services)
    from app.catalog.schemas import CourseCreate
    from app.issuers.organizations import create_organization

    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="acme", name="Acme")
        services.catalog.create_course(
            session,
            org,
            CourseCreate(key=RUN, title="CS101", passing_grade=0.7, certificate_modes=["verified"]),
        )
    services.engine.dispose()
    path = _write(tmp_path / "g.csv", _rows())

    def laurel(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(app, list(args))

    result = laurel("import", "grades", str(path), "--org", "acme", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["issued"] == 1 and summary["failed"] == 2 and summary["rows"] == 7
    text = laurel("import", "grades", str(path), "--org", "acme")
    assert text.exit_code == 0, text.output
    assert "issued:   0 course credentials" in text.stdout and "refused:  2" in text.stdout
    missing = _write(tmp_path / "bad.csv", [["x"]], ["learner"])
    bad = laurel("import", "grades", str(missing), "--org", "acme")
    assert bad.exit_code == 1 and "missing column" in bad.stderr
    assert laurel("import", "grades", str(path), "--org", "nope").exit_code == 1
    get_settings.cache_clear()
