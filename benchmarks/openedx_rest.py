"""The Open edX credentials-service API as the LMS calls it: course certificates per second
(each signs and stores a credential), duplicates, form-encoded grades, and the JWT check
alone. SQLite, one process, through HTTP (TestClient)."""

from __future__ import annotations

import time

import jwt
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import session_scope
from app.integrations.openedx.connections import ConnectionSettings, connect
from app.issuers.organizations import create_organization
from app.main import create_app
from benchmarks.common import measure, report, throwaway_services

ISSUER = "https://lms.bench.test/oauth2"
SECRET = "bench-secret-0123456789abcdef-0123456789"
RUN = "course-v1:Bench+CS101+2026_T1"


def _token() -> str:
    now = int(time.time())
    claims = {
        "aud": "lms-key", "exp": now + 3600, "grant_type": "", "iat": now, "iss": ISSUER,
        "preferred_username": "credentials_service_user", "scopes": ["email", "profile"],
        "administrator": True, "name": None,
    }  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<62} {count / seconds:8.0f}/s  ({count} in {seconds:6.2f} s)")


def run() -> None:
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org = create_organization(session, services.keyring, slug="bench", name="Bench U")
        connect(
            session,
            org,
            ConnectionSettings(
                jwt_issuer=ISSUER, jwt_audience="lms-key", service_user="credentials_service_user",
                jwt_secret=SECRET, course_orgs=("Bench",),
            ),
        )  # fmt: skip
    headers = {"Authorization": f"JWT {_token()}"}
    print("== Open edX credentials API (SQLite; an award signs and stores a credential) ==")
    with TestClient(create_app(services.settings, services)) as http:

        def award(username: str) -> None:
            body = {
                "username": username,
                "status": "awarded",
                "credential": {"course_run_key": RUN, "mode": "verified", "type": "course-run"},
                "date_override": None,
            }
            response = http.post("/api/v2/credentials/", json=body, headers=headers)
            assert response.status_code == 201, response.text

        award("warm-up")
        count = 300
        start = time.perf_counter()
        for n in range(count):
            award(f"learner{n}")
        _rate(
            "POST /api/v2/credentials/ course-run award (new)", count, time.perf_counter() - start
        )
        start = time.perf_counter()
        for n in range(count):
            award(f"learner{n}")
        _rate("POST /api/v2/credentials/ the same award again", count, time.perf_counter() - start)
        start = time.perf_counter()
        for n in range(count):
            form = {
                "username": f"learner{n}", "course_run": RUN, "letter_grade": "Pass",
                "percent_grade": "0.85", "verified": "True",
                "lms_last_updated_at": "2026-11-30 18:39:36.491946+00:00",
            }  # fmt: skip
            response = http.post("/api/v2/grades/", data=form, headers=headers)
            assert response.status_code == 201, response.text
        _rate("POST /api/v2/grades/ form-encoded", count, time.perf_counter() - start)
    authorization = headers["Authorization"]

    def check() -> None:
        with Session(services.engine) as session:
            services.openedx_api.verifier.caller(session, authorization)

    report("JWT check (HS256, issuer lookup)", measure(check, 500))
