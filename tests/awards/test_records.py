"""Learner records for the LMS, the registrar's CSV export, and the audit trail."""

from __future__ import annotations

import csv
import io

from tests.lms import RUN, Lms


def test_learner_credentials_programs_export_and_audit(lms: Lms) -> None:
    lms.course(grade_bands=[{"name": "Distinction", "min_grade": 0.9}])
    lms.program("one", ["Acme+CS101"], program_type="MicroMasters")
    awarded = lms.grade(expect=201, learner="=HYPERLINK(1)", grade=0.95, name="=cmd|' /C calc'!A0")
    lms.grade(learner="u2", grade=0.1)

    items = lms.get("/learners/=HYPERLINK(1)/credentials").json()
    course, program = items
    assert course["id"] == awarded["credential"]["id"] and course["id"].startswith("urn:uuid:")
    assert (course["kind"], course["status"], course["course_run"]) == ("course", "active", RUN)
    assert course["band"] == "Distinction" and course["grade"] == 0.95
    assert (program["kind"], program["program"], program["status"]) == ("program", "one", "active")
    assert lms.document(program["uuid"])["credentialSubject"]["achievement"]["achievementType"] == (
        "ext:MicroMasters"
    )
    assert lms.get("/learners/u2/credentials").json() == []
    assert lms.get("/learners/u2/programs").json() == []
    every = lms.get("/learners/u2/programs", all="true").json()
    assert every[0]["remaining"] == ["Acme+CS101"] and every[0]["completed"] is False

    export = lms.client.get("/api/v1/records/export.csv", headers=lms.headers)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["kind"] for r in rows] == ["course", "program"]
    assert rows[0]["credential_id"] == course["id"] and rows[0]["band"] == "Distinction"
    assert rows[0]["learner_name"].startswith("'=")  # no formula injection in spreadsheets
    assert rows[0]["learner_id"].startswith("'=")

    audit = lms.get("/audit", learner="=HYPERLINK(1)")
    assert audit.headers["X-Total-Count"] == "2"
    entries = audit.json()
    assert {e["kind"] for e in entries} == {"course", "program"}
    assert all(e["action"] == "awarded" and e["actor"] == lms.caller.client_id for e in entries)
    assert "grade 0.95" in next(e for e in entries if e["kind"] == "course")["reason"]
    assert lms.get("/learners/nobody/credentials").status_code == 404
