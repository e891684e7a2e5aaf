"""Catalog CRUD: course runs, programs, learners; validation is a 422 naming the field."""

from __future__ import annotations

from urllib.parse import quote

from tests.lms import RUN, Lms


def test_course_runs_create_read_update_list_delete(lms: Lms) -> None:
    created = lms.course(
        grade_bands=[{"name": "Distinction", "min_grade": 0.9}, {"name": "Pass", "min_grade": 0.7}],
        signatories=[{"name": "Ada Lovelace", "title": "Dean", "organization": "Acme"}],
        certificate_available_date="2026-01-01T00:00:00Z",
        credit_hours=3,
    )
    assert created["course"] == "Acme+CS101"
    assert [b["name"] for b in created["grade_bands"]] == ["Pass", "Distinction"]  # low to high
    assert created["achievement_id"].endswith("/orgs/acme/courses/" + quote(RUN, safe=""))
    for n in range(2, 5):
        lms.course(f"course-v1:Acme+CS10{n}+2026_T1", title=f"CS10{n}")

    page = lms.get("/courses", limit=2, offset=0)
    assert page.status_code == 200
    assert page.headers["X-Total-Count"] == "4"
    assert len(page.json()) == 2 and 'rel="next"' in page.headers["Link"]
    assert [c["key"] for c in lms.get("/courses", course="Acme+CS103").json()] == [
        "course-v1:Acme+CS103+2026_T1"
    ]

    one = lms.get(f"/courses/{RUN}")
    assert one.status_code == 200 and one.json()["title"] == "Introduction to Computer Science"
    patched = lms.client.patch(
        f"/api/v1/courses/{RUN}",
        json={"title": "CS 101", "passing_grade": 0.6, "criteria_narrative": None},
        headers=lms.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "CS 101" and patched.json()["passing_grade"] == 0.6

    assert lms.post("/courses", {"key": RUN, "title": "x", "passing_grade": 0.5}).status_code == 409
    assert lms.get("/courses/course-v1:Nope+X+Y").status_code == 404
    gone = lms.client.delete("/api/v1/courses/course-v1:Acme+CS104+2026_T1", headers=lms.headers)
    assert gone.status_code == 204
    assert lms.get("/courses").headers["X-Total-Count"] == "3"


def test_course_validation_names_the_field(lms: Lms) -> None:
    base = {"key": "course-v1:Acme+V1+2026", "title": "V", "passing_grade": 0.5}
    cases = {
        "passing_grade": {"passing_grade": 1.5},
        "certificate_modes": {"certificate_modes": ["Verified Learner"]},
        "grade_bands": {"grade_bands": [{"name": "A", "min_grade": 0.9}] * 2},
        "image_url": {"image_url": "javascript:alert(1)"},
        "image_url ": {"image_url": "https://x.example/a b<c>.png"},
        "achievement_type": {"achievement_type": "Diplomaaa"},
        "certificate_available_date": {"certificate_available_date": "2026-01-01T00:00:00"},
        "key": {"key": "has spaces"},
        "colour": {"colour": "blue"},
        "certifies_on": {"certifies_on": "attendance"},
    }
    for field, change in cases.items():
        response = lms.post("/courses", {**base, **change})
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"].startswith(field.strip()), (field, response.json())
    missing = lms.post("/courses", {"key": "k", "title": "t"})
    assert missing.status_code == 422 and missing.json()["field"] == "passing_grade"
    not_json = lms.client.post(
        "/api/v1/courses",
        content=b"{not json",
        headers={**lms.headers, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    bad_patch = lms.client.patch(
        f"/api/v1/courses/{RUN}", json={"title": None}, headers=lms.headers
    )
    assert bad_patch.status_code in (404, 422)
    lms.course()
    null_title = lms.client.patch(
        f"/api/v1/courses/{RUN}", json={"title": None}, headers=lms.headers
    )
    assert null_title.status_code == 422


def test_programs(lms: Lms) -> None:
    program = lms.program(
        "cs-fundamentals",
        ["Acme+CS101", "Acme+CS102"],
        [{"choose": 1, "courses": ["Acme+CS201", "Acme+CS202"]}],
        program_type="Professional Certificate",
    )
    assert program["achievement_type"] == "Certificate"
    assert program["electives"] == [{"choose": 1, "courses": ["Acme+CS201", "Acme+CS202"]}]
    bad = {
        "choose more than listed": {"electives": [{"choose": 3, "courses": ["A+1", "A+2"]}]},
        "course twice": {
            "required_courses": ["A+1"],
            "electives": [{"choose": 1, "courses": ["A+1"]}],
        },
        "a run, not a course": {"required_courses": ["course-v1:Acme+CS101+2026_T1"]},
        "an old-style run": {"required_courses": ["Acme/CS101/2026_T1"]},
        "a run without its prefix": {"required_courses": ["Acme+CS101+2026_T1"]},
        "a run among electives": {"electives": [{"choose": 1, "courses": ["Acme/CS1/T1"]}]},
        "no course": {"required_courses": []},
        "bad slug": {"slug": "no spaces please", "required_courses": ["A+1"]},
    }
    for label, change in bad.items():
        body = {"slug": "p2", "title": "P2", **change}
        response = lms.post("/programs", body)
        assert response.status_code == 422, (label, response.text)
        assert response.json()["field"], label
        if "run" in label:
            assert "is a course run" in response.text, label
    assert (
        lms.post(
            "/programs", {"slug": "cs-fundamentals", "title": "x", "required_courses": ["A+1"]}
        ).status_code
        == 409
    )
    listed = lms.get("/programs")
    assert listed.headers["X-Total-Count"] == "1"
    patched = lms.client.patch(
        "/api/v1/programs/cs-fundamentals",
        json={"required_courses": ["Acme+CS101"], "program_type": "MicroMasters"},
        headers=lms.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["required_courses"] == ["Acme+CS101"]
    assert patched.json()["achievement_type"] == "ext:MicroMasters"
    clash = lms.client.patch(
        "/api/v1/programs/cs-fundamentals",
        json={"required_courses": ["Acme+CS201"]},
        headers=lms.headers,
    )
    assert clash.status_code == 422  # CS201 is already an elective
    assert (
        lms.client.delete("/api/v1/programs/cs-fundamentals", headers=lms.headers).status_code
        == 204
    )
    assert lms.get("/programs/cs-fundamentals").status_code == 404


def test_learners(lms: Lms) -> None:
    created = lms.post(
        "/learners", {"id": "u-42", "name": "Grace Hopper", "email": "grace@example.edu"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/api/v1/learners/u-42"
    assert lms.post("/learners", {"id": "u-42"}).status_code == 409
    for body, field in (
        ({"id": "u-1", "email": "not-an-email"}, "email"),
        ({"id": "u-1", "holder_did": "https://not-a-did"}, "holder_did"),
        ({"id": ""}, "id"),
    ):
        response = lms.post("/learners", body)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    renamed = lms.client.patch(
        "/api/v1/learners/u-42", json={"name": "Grace B. Hopper"}, headers=lms.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Grace B. Hopper"
    assert lms.get("/learners/u-42").json()["email"] == "grace@example.edu"
    assert lms.get("/learners").headers["X-Total-Count"] == "1"
    assert lms.get("/learners/nobody").status_code == 404
