"""LMS events: grade events per second through HTTP (single and batched), and the time to
import a CSV of 10,000 grades. Passing grades issue a signed credential each; SQLite."""

from __future__ import annotations

import csv
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.awards.csv_import import GradeImporter
from app.awards.schemas import GradeEventIn
from app.catalog.schemas import CourseCreate, ProgramCreate
from app.db import session_scope
from app.issuers.clients import create_client
from app.issuers.organizations import create_organization
from app.main import create_app
from benchmarks.common import throwaway_services

RUNS = [f"course-v1:Bench+C{n}+2026_T1" for n in range(10)]
_ids = itertools.count()


def _event(grade: float, learner: str | None = None, run: str = RUNS[0]) -> dict[str, Any]:
    n = next(_ids)
    learner = learner or f"l{n}"
    return {
        "event_id": f"bench-{n}",
        "learner": {"id": learner, "name": f"Learner {learner}", "email": f"{learner}@bench.test"},
        "course_run": run,
        "percent_grade": grade,
        "mode": "verified",
        "timestamp": "2026-03-01T12:00:00Z",
    }


def _rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<62} {count / seconds:8.0f}/s  ({count} in {seconds:6.2f} s)")


def run() -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        client, secret = create_client(session, org)
        for run_key in RUNS:
            services.catalog.create_course(
                session,
                org,
                CourseCreate(
                    key=run_key, title=run_key, passing_grade=0.6, certificate_modes=["verified"]
                ),
            )
        services.catalog.create_program(
            session,
            org,
            ProgramCreate(slug="p", title="P", required_courses=["Bench+C0", "Bench+C1"]),
        )

    print("== LMS grade events (SQLite; a passing grade signs and stores a credential) ==")
    with session_scope(services.engine) as session:
        for label, grade in (
            ("in-process record_grade, passing (issues a credential)", 0.9),
            ("in-process record_grade, not passing (stores the grade)", 0.3),
        ):
            events = [GradeEventIn.model_validate(_event(grade)) for _ in range(300)]
            start = time.perf_counter()
            for event in events:
                services.grading.record_grade(session, org, event, "bench")
                session.commit()  # one transaction per event, as a request has
            _rate(label, len(events), time.perf_counter() - start)
    app = create_app(services.settings, services)
    with TestClient(app) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, secret),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        http.post("/api/v1/grades", json=_event(0.9), headers=headers)  # warm up
        start = time.perf_counter()
        for _ in range(300):
            http.get("/.well-known/did.json")
        _rate(
            "HTTP GET /.well-known/did.json (test-client baseline)",
            300,
            time.perf_counter() - start,
        )

        for label, grade, count in (
            ("HTTP POST /api/v1/grades, passing (issues a credential)", 0.9, 300),
            ("HTTP POST /api/v1/grades, not passing (stores the grade)", 0.3, 300),
        ):
            start = time.perf_counter()
            for _ in range(count):
                response = http.post("/api/v1/grades", json=_event(grade), headers=headers)
                assert response.status_code in (200, 201)
            _rate(label, count, time.perf_counter() - start)

        duplicate = _event(0.9)
        http.post("/api/v1/grades", json=duplicate, headers=headers)
        start = time.perf_counter()
        for _ in range(300):
            http.post("/api/v1/grades", json=duplicate, headers=headers)
        _rate(
            "HTTP POST /api/v1/grades, duplicate (already awarded)",
            300,
            time.perf_counter() - start,
        )

        for size in (100, 1000):
            events = [_event(0.9 if i % 2 else 0.3) for i in range(size)]
            start = time.perf_counter()
            response = http.post("/api/v1/grades:batch", json={"events": events}, headers=headers)
            assert response.status_code == 200
            _rate(
                f"HTTP POST /api/v1/grades:batch of {size} (half passing)",
                size,
                time.perf_counter() - start,
            )

    path = Path(tempfile.mkdtemp(prefix="laurel-bench-")) / "grades.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner_id", "learner_name", "learner_email", "course_run",
                         "percent_grade", "mode", "timestamp"])  # fmt: skip
        for i in range(10_000):
            learner = f"csv{i // 2}"  # two courses per learner: programs complete too
            grade = 0.5 + (i % 5) / 10  # 0.5 .. 0.9: 60% pass
            writer.writerow([learner, f"Learner {learner}", f"{learner}@bench.test",
                             RUNS[i % 2], grade, "verified", "2026-03-01T12:00:00Z"])  # fmt: skip
    importer = GradeImporter(services.grading, services.engine, org, "bench")
    start = time.perf_counter()
    summary = importer.run(path)
    seconds = time.perf_counter() - start
    print(
        f"{'laurel import grades: 10,000 rows CSV':<62} {seconds:8.1f} s  "
        f"({summary.rows / seconds:.0f} rows/s; {summary.issued} course + "
        f"{summary.programs_issued} program credentials)"
    )
