"""Another organization's catalog, learners, events and records are invisible and unchangeable."""

from __future__ import annotations

from tests.lms import RUN, Lms


def test_each_endpoint_refuses_another_organizations_client(lms: Lms) -> None:
    lms.course()
    lms.program("one", ["Acme+CS101"])
    awarded = lms.grade(expect=201, learner="u1")
    uuid = awarded["credential"]["uuid"]
    other = Lms(lms.factory, lms.factory.caller("globex"))
    c, h = other.client, other.headers

    not_found = [
        c.get(f"/api/v1/courses/{RUN}", headers=h),
        c.patch(f"/api/v1/courses/{RUN}", json={"title": "Mine"}, headers=h),
        c.delete(f"/api/v1/courses/{RUN}", headers=h),
        c.get("/api/v1/programs/one", headers=h),
        c.patch("/api/v1/programs/one", json={"title": "Mine"}, headers=h),
        c.delete("/api/v1/programs/one", headers=h),
        c.get("/api/v1/learners/u1", headers=h),
        c.patch("/api/v1/learners/u1", json={"name": "Mallory"}, headers=h),
        c.get("/api/v1/learners/u1/credentials", headers=h),
        c.get("/api/v1/learners/u1/programs", headers=h),
        c.get("/api/v1/learners/u1/grades", headers=h),
        other.post("/grades", other.grade_event(learner="u1")),
        other.post("/completions", {**other.grade_event(learner="u1"), "percent_grade": None}),
        c.get(f"/api/v1/credentials/{uuid}", headers=h),
        c.post(f"/api/v1/credentials/{uuid}/revoke", json={}, headers=h),
        c.post(f"/api/v1/credentials/{uuid}/reissue", headers=h),
    ]
    assert [r.status_code for r in not_found] == [404] * len(not_found), [
        (r.request.method, r.request.url.path, r.status_code) for r in not_found
    ]
    batch = other.post("/grades:batch", {"events": [other.grade_event(learner="u1")]}).json()
    assert batch["results"][0]["status"] == 404
    for path in ("/courses", "/programs", "/learners", "/audit"):
        listed = other.get(path)
        assert listed.json() == [] and listed.headers["X-Total-Count"] == "0", path
    export = c.get("/api/v1/records/export.csv", headers=h)
    assert export.text.strip().count("\n") == 0  # the header only

    # nothing changed for the owner, and the other org can use the same names for itself
    assert lms.get(f"/courses/{RUN}").json()["title"] == "Introduction to Computer Science"
    assert lms.get("/learners/u1").json()["name"] == "Learner u1"
    assert other.course()["key"] == RUN
    assert other.grade(expect=201, learner="u1")["credential"]["id"] != awarded["credential"]["id"]
    assert len(lms.get("/learners/u1/credentials").json()) == 2  # course + program, unchanged


def test_scopes_are_enforced(lms: Lms) -> None:
    lms.course()
    reader = Lms(lms.factory, lms.factory.caller("acme", ["catalog:read"]))
    assert reader.get(f"/courses/{RUN}").status_code == 200
    forbidden = [
        reader.post("/courses", {"key": "k", "title": "t", "passing_grade": 0.5}),
        reader.post("/grades", reader.grade_event()),
        reader.post("/grades:batch", {"events": [reader.grade_event()]}),
        reader.get("/learners/u1/credentials"),
        reader.client.get("/api/v1/records/export.csv", headers=reader.headers),
    ]
    assert [r.status_code for r in forbidden] == [403] * len(forbidden)
    assert lms.client.get("/api/v1/courses").status_code == 401
