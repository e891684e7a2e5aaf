"""Grade and completion events: thresholds, modes, dates, order, duplicates, batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from app.models import CourseAward, IssuedCredential
from tests.lms import RUN, Lms, at


def _count(lms: Lms, model: type) -> int:
    with Session(lms.services.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()  # type: ignore[no-any-return]


def test_threshold_edges_and_grade_bands(lms: Lms) -> None:
    lms.course(
        grade_bands=[{"name": "Pass", "min_grade": 0.7}, {"name": "Distinction", "min_grade": 0.9}]
    )
    below = lms.grade(expect=200, learner="below", grade=0.69)
    assert below["status"] == "not_passed" and "below the passing grade 70%" in below["reason"]
    at_threshold = lms.grade(expect=201, learner="at", grade=0.7)
    above = lms.grade(expect=201, learner="above", grade=0.93, letter_grade="A")
    assert at_threshold["status"] == above["status"] == "awarded"

    vc = lms.assert_valid(above["credential"]["uuid"])
    assert vc["id"] == above["credential"]["id"]
    subject = vc["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Course"
    results = {r["resultDescription"].rsplit("#", 1)[1]: r for r in subject["result"]}
    assert results["grade"]["value"] == "93" and results["letter"]["value"] == "A"
    band = next(
        rd for rd in achievement["resultDescription"] if rd["resultType"] == "RubricCriterionLevel"
    )
    level = next(lv for lv in band["rubricCriterionLevel"] if lv["name"] == "Distinction")
    assert results["band"]["achievedLevel"] == level["id"]
    grade_rd = next(rd for rd in achievement["resultDescription"] if rd["resultType"] == "Percent")
    assert (grade_rd["valueMin"], grade_rd["valueMax"], grade_rd["requiredValue"]) == (
        "0",
        "100",
        "70",
    )
    assert vc["validFrom"] == vc["awardedDate"] == at(0)
    identifiers = {i["identityType"]: i for i in subject["identifier"]}
    assert identifiers["emailAddress"]["hashed"] is True
    assert "above@example.edu" not in str(vc)
    assert identifiers["name"] == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Learner above",
        "identityType": "name",
    }
    at_vc = lms.assert_valid(at_threshold["credential"]["uuid"])
    at_results = {
        r["resultDescription"].rsplit("#", 1)[1]: r for r in at_vc["credentialSubject"]["result"]
    }
    assert at_results["band"]["achievedLevel"].endswith("#level-0")  # Pass


def test_ineligible_mode_is_refused_and_audited(lms: Lms) -> None:
    lms.course()
    refused = lms.grade(expect=200, learner="u1", grade=0.95, mode="audit")
    assert refused["status"] == "refused"
    assert refused["reason"] == (
        'enrolment mode "audit" is not certificate-eligible (eligible: verified, professional)'
    )
    audit = lms.get("/audit", action="refused").json()
    assert audit[0]["learner"] == "u1" and audit[0]["actor"] == lms.caller.client_id
    assert "audit" in audit[0]["reason"]
    # upgraded to verified later: awarded
    assert (
        lms.grade(expect=201, learner="u1", grade=0.95, mode="verified", minute=5)["status"]
        == "awarded"
    )
    # a run that lists audit as eligible awards audit learners
    lms.course("course-v1:Acme+OPEN+2026", certificate_modes=["audit"])
    assert (
        lms.grade(expect=201, learner="u2", run="course-v1:Acme+OPEN+2026", mode="audit")["status"]
        == "awarded"
    )


def test_certificate_available_date_in_the_future_hides_the_credential(lms: Lms) -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    lms.course(certificate_available_date=future.isoformat())
    out = lms.grade(expect=201)
    uuid = out["credential"]["uuid"]
    lms.assert_valid(uuid)
    assert (
        lms.client.get(
            f"/credentials/{uuid}", headers={"Accept": "application/ld+json"}
        ).status_code
        == 404
    )
    listed = lms.get("/learners/u1/credentials").json()
    assert listed[0]["public_from"].startswith(future.date().isoformat())
    # the registrar moves the date into the past: the credential is public
    moved = lms.client.patch(
        f"/api/v1/courses/{RUN}",
        json={"certificate_available_date": "2026-01-01T00:00:00Z"},
        headers=lms.headers,
    )
    assert moved.status_code == 200
    assert (
        lms.client.get(
            f"/credentials/{uuid}", headers={"Accept": "application/ld+json"}
        ).status_code
        == 200
    )


def test_out_of_order_duplicate_and_later_lower_grades(lms: Lms) -> None:
    lms.course()
    newer = lms.grade_event(grade=0.5, minute=20, event_id="e-20")
    older = lms.grade_event(grade=0.9, minute=10, event_id="e-10")
    assert lms.post("/grades", newer).json()["status"] == "not_passed"
    late = lms.post("/grades", older)
    assert late.status_code == 201, late.text
    assert late.json()["status"] == "awarded" and late.json()["stale"] is True
    stored = lms.get("/learners/u1/grades").json()
    assert stored[0]["percent_grade"] == 0.5 and stored[0]["awarded"] is True  # newest kept

    again = lms.post("/grades", older)
    assert again.status_code == 200 and again.json()["status"] == "already_awarded"
    assert again.json()["stale"] is True
    assert again.json()["credential"]["id"] == late.json()["credential"]["id"]

    lower = lms.grade(learner="u1", grade=0.2, minute=30)
    assert lower["status"] == "already_awarded" and lower["credential"]["status"] == "active"
    assert lms.get("/learners/u1/grades").json()[0]["percent_grade"] == 0.2
    assert _count(lms, IssuedCredential) == 1 and _count(lms, CourseAward) == 1

    # the learner's name follows the newest event, not the latest to arrive
    lms.grade(learner="u1", minute=40, name="New Name")
    lms.grade(learner="u1", minute=35, name="Old Name")
    assert lms.get("/learners/u1").json()["name"] == "New Name"
    # a course with awards cannot be deleted
    refused = lms.client.delete(f"/api/v1/courses/{RUN}", headers=lms.headers)
    assert refused.status_code == 409 and "awarded" in refused.json()["detail"]


def test_completion_certified_runs(lms: Lms) -> None:
    run = "course-v1:Acme+WORKSHOP+2026"
    lms.course(
        run, certifies_on="completion", certificate_modes=["audit", "verified"], passing_grade=0
    )
    graded = lms.grade(run=run, grade=1.0, mode="audit")
    assert graded["status"] == "recorded"
    event = {
        "event_id": "c-1",
        "learner": {"id": "u1", "name": "Ann", "email": "ann@example.edu"},
        "course_run": run,
        "mode": "audit",
        "timestamp": at(5),
    }
    done = lms.post("/completions", event)
    assert done.status_code == 201, done.text
    vc = lms.assert_valid(done.json()["credential"]["uuid"])
    statuses = [r.get("status") for r in vc["credentialSubject"]["result"]]
    assert "Completed" in statuses
    assert lms.post("/completions", event).json()["status"] == "already_awarded"
    lms.course()
    other = lms.post("/completions", {**event, "event_id": "c-2", "course_run": RUN})
    assert other.json()["status"] == "recorded"


def test_bad_events_are_422_never_500(lms: Lms) -> None:
    lms.course()
    good = lms.grade_event()
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    cases = {
        "learner": {k: v for k, v in good.items() if k != "learner"},
        "percent_grade": {**good, "percent_grade": 87},
        "learner.email": {**good, "learner": {"id": "u9", "email": "nope"}},
        "timestamp": {**good, "timestamp": "2026-03-01T12:00:00"},
        "mode": {**good, "mode": "Not A Mode"},
        "event_id": {**good, "event_id": ""},
    }
    for field, body in cases.items():
        response = lms.post("/grades", body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field, (field, response.json())
    assert lms.post("/grades", {**good, "timestamp": future}).json()["field"] == "timestamp"
    nan = lms.client.post(
        "/api/v1/grades",
        content=b'{"event_id":"x","learner":{"id":"u"},"course_run":"r","percent_grade":NaN,'
        b'"mode":"verified","timestamp":"2026-03-01T12:00:00Z"}',
        headers={**lms.headers, "Content-Type": "application/json"},
    )
    assert nan.status_code in (400, 422)
    unknown = lms.post("/grades", {**good, "course_run": "course-v1:Acme+NOPE+1"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "course_run"
    assert lms.get("/learners/u9").status_code == 404  # nothing written for refused input


def test_batch_lands_good_items_and_reports_bad_ones(lms: Lms) -> None:
    lms.course()
    events = [
        lms.grade_event(learner="b1", grade=0.9),
        {**lms.grade_event(learner="b2"), "percent_grade": 2},
        lms.grade_event(learner="b3", run="course-v1:Acme+NOPE+1"),
        lms.grade_event(learner="b4", grade=0.3),
        lms.grade_event(learner="b5", grade=0.75),
        "not an object",
    ]
    response = lms.post("/grades:batch", {"events": events})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status"] for item in body["results"]] == [201, 422, 404, 200, 201, 422]
    assert body["results"][1]["error"]["field"] == "percent_grade"
    assert body["results"][2]["error"]["field"] == "course_run"
    assert body["results"][3]["outcome"]["status"] == "not_passed"
    assert body["summary"] == {"total": 6, "errors": 3, "awarded": 2, "not_passed": 1}
    assert _count(lms, IssuedCredential) == 2
    for learner in ("b2", "b3"):  # bad items leave nothing behind
        assert lms.get(f"/learners/{learner}").status_code == 404
    too_many = lms.post("/grades:batch", {"events": [lms.grade_event()] * 1001})
    assert too_many.status_code == 422 and too_many.json()["field"] == "events"


def test_course_that_hides_grades_issues_without_them(lms: Lms) -> None:
    lms.course(show_grade=False, grade_bands=[{"name": "Distinction", "min_grade": 0.9}])
    awarded = lms.grade(expect=201, learner="quiet", grade=0.95, letter_grade="A")
    vc = lms.assert_valid(awarded["credential"]["uuid"])
    assert "result" not in vc["credentialSubject"]
    assert "resultDescription" not in vc["credentialSubject"]["achievement"]
    page = lms.client.get(
        f"/credentials/{awarded['credential']['uuid']}", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert "Distinction" not in page.text and "95%" not in page.text
