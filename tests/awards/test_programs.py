"""Program credentials: rules met on the last course, any run counts, revocation cascades."""

from __future__ import annotations

from typing import Any

from tests.lms import Lms, at

CS101 = "course-v1:Acme+CS101+2026_T1"
CS102_OLD = "course-v1:Acme+CS102+2025_T3"
CS102 = "course-v1:Acme+CS102+2026_T1"
CS201 = "course-v1:Acme+CS201+2026_T1"
CS202 = "course-v1:Acme+CS202+2026_T1"


def _catalog(lms: Lms) -> None:
    for run, credits in ((CS101, 3), (CS102_OLD, 3), (CS102, 3), (CS201, 2), (CS202, 2)):
        lms.course(
            run,
            title=run.split("+")[1],
            credit_hours=credits,
            image_url="https://acme.example/badges/cs.png?size=400&v=2",
            achievement_type="ext:AcmeCourse",
        )
    lms.program(
        "cs-cert",
        ["Acme+CS101", "Acme+CS102"],
        [{"choose": 1, "courses": ["Acme+CS201", "Acme+CS202"]}],
        title="Computer Science Certificate",
        program_type="Professional Certificate",
        image_url="data:image/png;base64,iVBORw0KGgo=",
    )


def _revoke(lms: Lms, uuid: str, reason: str = "academic misconduct") -> Any:
    response = lms.client.post(
        f"/api/v1/credentials/{uuid}/revoke", json={"reason": reason}, headers=lms.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_program_completes_on_the_last_course_via_any_run(lms: Lms) -> None:
    _catalog(lms)
    first = lms.grade(expect=201, run=CS101, minute=10)
    assert first["programs"] == []
    course_vc = lms.assert_valid(first["credential"]["uuid"])
    assert course_vc["credentialSubject"]["achievement"]["creditsAvailable"] == 3
    assert course_vc["credentialSubject"]["achievement"]["image"]["id"].endswith("v=2")
    elective = lms.grade(expect=201, run=CS201, minute=20)
    assert elective["programs"] == []
    progress = lms.get("/learners/u1/programs").json()[0]
    assert progress["completed"] is False
    assert progress["earned"] == ["Acme+CS101", "Acme+CS201"]
    assert progress["remaining"] == ["Acme+CS102"]
    assert progress["rules"]["electives"][0]["needed"] == 0

    # CS102 is earned in the 2025 run, not the 2026 one the catalog also has: it still counts
    last = lms.grade(expect=201, run=CS102_OLD, minute=30, grade=0.75)
    [program] = last["programs"]
    assert program["program"] == "cs-cert" and program["status"] == "awarded"
    vc = lms.assert_valid(program["credential"]["uuid"])
    assert vc["validFrom"] == at(30)  # the latest counted course award
    assert vc["name"] == "Computer Science Certificate"
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["id"].endswith("/orgs/acme/programs/cs-cert")
    assert "any 1 of" in achievement["criteria"]["narrative"]
    assert vc["credentialSubject"]["creditsEarned"] == 8
    evidence_ids = {e["id"] for e in vc["evidence"]}
    assert evidence_ids == {
        first["credential"]["id"],
        elective["credential"]["id"],
        last["credential"]["id"],
    }
    # a further elective changes nothing; a re-sent event neither
    assert lms.grade(run=CS202, minute=40)["programs"] == []
    assert lms.grade(run=CS102, minute=50)["programs"] == []
    kinds = sorted(c["kind"] for c in lms.get("/learners/u1/credentials").json())
    assert kinds == ["course"] * 5 + ["program"]


def test_revoking_a_counted_course_revokes_the_program_naming_it(lms: Lms) -> None:
    _catalog(lms)
    lms.grade(run=CS101, minute=1)
    required = lms.grade(run=CS102, minute=2)
    done = lms.grade(run=CS201, minute=3)
    program_uuid = done["programs"][0]["credential"]["uuid"]
    _revoke(lms, required["credential"]["uuid"])
    record = lms.client.get(f"/api/v1/credentials/{program_uuid}", headers=lms.headers).json()
    assert record["status"] == "revoked"
    assert 'course "Acme+CS102"' in record["status_reason"]
    assert required["credential"]["id"] in record["status_reason"]
    listed = {c["uuid"]: c for c in lms.get("/learners/u1/credentials").json()}
    assert listed[program_uuid]["status"] == "revoked"
    audit = lms.get("/audit", action="revoked").json()
    assert audit[0]["program"] == "cs-cert" and audit[0]["actor"] == lms.caller.client_id


def test_program_stands_while_another_course_satisfies_the_rule(lms: Lms) -> None:
    _catalog(lms)
    lms.grade(run=CS101, minute=1)
    lms.grade(run=CS102, minute=2)
    first_elective = lms.grade(run=CS201, minute=3)
    program_uuid = first_elective["programs"][0]["credential"]["uuid"]
    second_elective = lms.grade(run=CS202, minute=4)

    _revoke(lms, first_elective["credential"]["uuid"])
    status = lms.client.get(f"/api/v1/credentials/{program_uuid}", headers=lms.headers).json()
    assert status["status"] == "active"  # CS202 still satisfies "any 1 of"

    _revoke(lms, second_elective["credential"]["uuid"])
    status = lms.client.get(f"/api/v1/credentials/{program_uuid}", headers=lms.headers).json()
    assert status["status"] == "revoked"
    assert 'course "Acme+CS202"' in status["status_reason"]
    progress = lms.get("/learners/u1/programs").json()[0]
    assert progress["completed"] is False
    assert progress["credential"]["status"] == "revoked"


def test_reissue_rebuilds_from_current_learner_data(lms: Lms) -> None:
    _catalog(lms)
    lms.grade(run=CS101, minute=1, name="Jo Smith")
    lms.grade(run=CS102, minute=2)
    done = lms.grade(run=CS201, minute=3, grade=0.91, letter_grade="A-")
    course_uuid = done["credential"]["uuid"]
    program_uuid = done["programs"][0]["credential"]["uuid"]
    renamed = lms.client.patch(
        "/api/v1/learners/u1", json={"name": "Jo Brown"}, headers=lms.headers
    )
    assert renamed.status_code == 200

    for old in (course_uuid, program_uuid):
        response = lms.client.post(f"/api/v1/credentials/{old}/reissue", headers=lms.headers)
        assert response.status_code == 201, response.text
        successor = response.json()["uuid"]
        vc = lms.assert_valid(successor)
        names = [
            i["identityHash"]
            for i in vc["credentialSubject"]["identifier"]
            if i["identityType"] == "name"
        ]
        assert names == ["Jo Brown"]
        assert vc["awardedDate"] == lms.document(old)["awardedDate"]
        old_record = lms.client.get(f"/api/v1/credentials/{old}", headers=lms.headers).json()
        assert old_record["status"] == "revoked" and old_record["superseded_by"] == successor

    course_vc = lms.document(lms.get("/learners/u1/credentials").json()[2]["uuid"])
    assert {r.get("value") for r in course_vc["credentialSubject"]["result"]} >= {"91", "A-"}
    listed = lms.get("/learners/u1/credentials").json()
    assert all(c["status"] == "active" for c in listed)  # awards follow their successors
    assert course_uuid not in {c["uuid"] for c in listed}
    program = next(c for c in listed if c["kind"] == "program")
    assert program["uuid"] != program_uuid
    # superseding is not revoking: the program survived the course re-issue
    assert lms.get("/learners/u1/programs").json()[0]["completed"] is True
    assert len(lms.get("/audit", action="reissued").json()) == 2
