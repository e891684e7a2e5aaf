"""An LMS client: an organization's catalog and grade events through the real HTTP API."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session

from app.core.vc.schema import OB_ACHIEVEMENT_CREDENTIAL_SCHEMA
from app.models import IssuedCredential
from tests.factories import ApiCaller, Factory

RUN = "course-v1:Acme+CS101+2026_T1"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: int = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


class Lms:
    """An LMS integration of one organization, talking to Laurel over HTTP."""

    def __init__(self, factory: Factory, caller: ApiCaller) -> None:
        self.factory = factory
        self.client = factory.client
        self.caller = caller
        self.services = factory.services

    @property
    def headers(self) -> dict[str, str]:
        return self.caller.headers

    def post(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return self.client.post(f"/api/v1{path}", json=body, headers={**self.headers, **headers})

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(f"/api/v1{path}", params=params, headers=self.headers)

    def course(self, key: str = RUN, **fields: Any) -> dict[str, Any]:
        body = {
            "key": key,
            "title": fields.pop("title", "Introduction to Computer Science"),
            "passing_grade": fields.pop("passing_grade", 0.7),
            "certificate_modes": fields.pop("certificate_modes", ["verified", "professional"]),
            **fields,
        }
        response = self.post("/courses", body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def program(self, slug: str, required: list[str], electives: Any = (), **fields: Any) -> Any:
        body = {
            "slug": slug,
            "title": fields.pop("title", slug.replace("-", " ").title()),
            "required_courses": required,
            "electives": list(electives),
            **fields,
        }
        response = self.post("/programs", body)
        assert response.status_code == 201, response.text
        return response.json()

    def grade_event(
        self,
        learner: str = "u1",
        run: str = RUN,
        grade: float = 0.8,
        mode: str = "verified",
        minute: int = 0,
        event_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "event_id": event_id or f"ev-{next(_ids)}",
            "learner": {
                "id": learner,
                "name": extra.pop("name", f"Learner {learner}"),
                "email": extra.pop("email", f"{learner}@example.edu"),
            },
            "course_run": run,
            "percent_grade": grade,
            "letter_grade": extra.pop("letter_grade", None),
            "mode": mode,
            "timestamp": at(minute),
            **extra,
        }

    def grade(self, expect: int | None = None, **kwargs: Any) -> dict[str, Any]:
        response = self.post("/grades", self.grade_event(**kwargs))
        if expect is not None:
            assert response.status_code == expect, response.text
        else:
            assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    def document(self, uuid: str) -> dict[str, Any]:
        """The stored signed credential (also before its public date)."""
        with Session(self.services.engine) as session:
            record = session.get(IssuedCredential, uuid)
            assert record is not None
            return json.loads(record.document)  # type: ignore[no-any-return]

    def assert_valid(self, uuid: str) -> dict[str, Any]:
        """OB 3.0 JSON Schema valid, and our verifier says verified."""
        document = self.document(uuid)
        assert self.services.schemas.errors(OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, document) == []
        with Session(self.services.engine) as session:
            report = self.services.verifier.verify(session, document)
        assert report.verified, report.to_json()
        return document
