"""The credentials-service API replayed as edx-platform calls it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.db import session_scope
from app.http.rate_limit import Rate
from app.models import (
    Course,
    CourseGrade,
    IssuedCredential,
    Learner,
    ProgramAward,
)
from app.models.enums import CredentialStatus
from tests.integrations.openedx.conftest import RUN, SECRET, Site, connect_org
from tests.integrations.openedx.lms import (
    COURSE_CERTIFICATES,
    CREDENTIALS,
    GRADES,
    LEARNER_STATUS,
    LmsClient,
    claims,
    learner_token,
    pyjwt_hs256,
    service_token,
)


@pytest.fixture
def lms(site: Site, app_client: TestClient) -> LmsClient:
    return LmsClient(app_client, service_token())


def _count(site: Site, model: type, **where: Any) -> int:
    with Session(site.services.engine) as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return session.exec(stmt).one()  # type: ignore[no-any-return]


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# -- authentication -----------------------------------------------------------------------------


def test_the_pyjwkest_header_without_typ_is_accepted(lms: LmsClient) -> None:
    header = json.loads(base64.urlsafe_b64decode(lms.token.split(".")[0] + "=="))
    assert header == {"alg": "HS256"}
    assert lms.post_course_certificate("ada", RUN).status_code == 201


@pytest.mark.parametrize(
    ("case", "token"),
    [
        ("wrong secret", lambda: service_token(secret="not-the-secret")),
        ("wrong issuer", lambda: service_token(iss="https://evil.example.org/oauth2")),
        ("wrong audience", lambda: service_token(aud="someone-else")),
        ("expired", lambda: service_token(expires_in=-3600)),
        ("no signature", lambda: service_token().rsplit(".", 1)[0] + "."),
        ("alg none", lambda: _unsigned(claims("credentials_service_user", administrator=True))),
    ],
)
def test_bad_tokens_are_refused_with_401(
    site: Site, app_client: TestClient, case: str, token: Any
) -> None:
    lms = LmsClient(app_client, token())
    response = lms.post_course_certificate("ada", RUN)
    assert response.status_code == 401, (case, response.text)
    assert lms.get(CREDENTIALS, {"username": "ada"}).status_code == 401
    assert _count(site, IssuedCredential) == 0


def _unsigned(payload: dict[str, Any]) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}."


def test_no_jwt_or_a_bearer_token_is_401(site: Site, app_client: TestClient) -> None:
    assert app_client.post(CREDENTIALS, json={}).status_code == 401
    bearer = {"Authorization": f"Bearer {service_token()}"}
    assert app_client.post(CREDENTIALS, json={}, headers=bearer).status_code == 401


def test_a_learner_may_not_write_and_reads_only_their_own(
    lms: LmsClient, app_client: TestClient
) -> None:
    assert lms.post_course_certificate("ada", RUN).status_code == 201
    ada = LmsClient(app_client, learner_token("ada"))
    assert ada.post_course_certificate("ada", RUN).status_code == 403
    assert ada.get(CREDENTIALS, {"username": "ada"}).status_code == 200
    assert ada.get(CREDENTIALS, {"username": "ADA"}).status_code == 200  # as DRF: case-blind
    assert ada.get(CREDENTIALS, {"username": "bob"}).status_code == 403
    assert ada.get(CREDENTIALS, {}).status_code == 403
    # a staff user who is not the service user reads anyone's, but does not write
    staff = LmsClient(app_client, pyjwt_hs256(claims("staff", administrator=True), SECRET))
    assert staff.get(CREDENTIALS, {"username": "ada"}).json()["count"] == 1
    assert staff.post_course_certificate("ada", RUN).status_code == 403


# -- course certificates ------------------------------------------------------------------------


def test_a_course_certificate_is_awarded_once_and_revoked_by_upsert(
    site: Site, lms: LmsClient, app_client: TestClient
) -> None:
    first = lms.post_course_certificate("ada", RUN)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["username"] == "ada"
    assert body["credential"] == {"type": "course-run", "course_run_key": RUN, "mode": "verified"}
    assert body["status"] == "awarded" and body["date_override"] is None
    assert body["attributes"] == []
    again = lms.post_course_certificate("ada", RUN)  # the task retried
    assert again.status_code == 201 and again.json()["uuid"] == body["uuid"]
    assert _count(site, IssuedCredential) == 1
    # the certificate URL is the credential's public URL
    page = app_client.get(body["certificate_url"], headers={"Accept": "application/ld+json"})
    assert page.status_code == 200 and "OpenBadgeCredential" in page.text
    revoked = lms.post_course_certificate("ada", RUN, status="revoked")
    assert revoked.status_code == 201 and revoked.json()["status"] == "revoked"
    with Session(site.services.engine) as session:
        record = session.get(IssuedCredential, _uuid_of(body["certificate_url"]))
        assert record is not None and record.status == CredentialStatus.REVOKED
    # re-awarded later: a new credential (Laurel's revocations are final)
    back = lms.post_course_certificate("ada", RUN)
    assert back.json()["status"] == "awarded"
    assert back.json()["certificate_url"] != body["certificate_url"]
    assert _count(site, IssuedCredential, status=CredentialStatus.ACTIVE) == 1


def test_date_override_and_visible_date(site: Site, lms: LmsClient, app_client: TestClient) -> None:
    override = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    response = lms.post_course_certificate(
        "ada", RUN, date_override=override, visible_date="2099-01-01T00:00:00Z"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["date_override"] == {"date": "2026-05-01T09:30:00Z"}
    assert body["attributes"] == [{"name": "visible_date", "value": "2099-01-01T00:00:00Z"}]
    # not public before its visible date, and not listed as visible
    assert app_client.get(body["certificate_url"]).status_code == 404
    listed = lms.get(CREDENTIALS, {"username": "ada", "only_visible": "True"}).json()
    assert listed["count"] == 0
    assert lms.get(CREDENTIALS, {"username": "ada"}).json()["count"] == 1
    with Session(site.services.engine) as session:
        record = session.get(IssuedCredential, _uuid_of(body["certificate_url"]))
        assert record is not None
        assert json.loads(record.document)["awardedDate"].startswith("2026-05-01T09:30:00")


def test_an_unconnected_course_organization_is_refused(lms: LmsClient) -> None:
    response = lms.post_course_certificate("ada", "course-v1:Other+X+2026")
    assert response.status_code == 404
    assert lms.post_course_certificate("ada", "not-a-key").status_code == 422


# -- grades -------------------------------------------------------------------------------------


def test_grades_form_encoded_with_python_str_values(site: Site, lms: LmsClient) -> None:
    when = datetime(2026, 11, 30, 18, 39, 36, 491946, tzinfo=UTC)
    response = lms.send_grade("ada", RUN, "Pass", 0.85, True, when)
    assert response.request.content.decode().count("verified=True") == 1
    assert "2026-11-30+18%3A39%3A36.491946%2B00%3A00" in response.request.content.decode()
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["letter_grade"], body["verified"], body["course_run"]) == ("Pass", True, RUN)
    # a failing grade sends letter_grade= (empty); a None letter grade omits the key
    failing = lms.send_grade("bob", RUN, "", 0.2, False, when)
    assert failing.status_code == 201 and failing.json()["letter_grade"] == ""
    none = lms.send_grade("cy", RUN, None, 0.0, False, None)
    assert none.status_code == 201
    # JSON works as well (older releases)
    as_json = lms.post_json(
        GRADES,
        {
            "username": "dee",
            "course_run": RUN,
            "letter_grade": None,
            "percent_grade": 0.5,
            "verified": False,
            "lms_last_updated_at": "2026-11-30T18:39:36Z",
        },
    )
    assert as_json.status_code == 201, as_json.text
    assert _count(site, CourseGrade) == 4
    assert _count(site, IssuedCredential) == 0  # grades never award by themselves
    # an older grade does not overwrite a newer one
    lms.send_grade("ada", RUN, "F", 0.1, True, when - timedelta(days=1))
    with Session(site.services.engine) as session:
        learner = session.exec(select(Learner).where(Learner.lms_id == "ada")).one()
        grade = session.exec(select(CourseGrade).where(CourseGrade.learner_id == learner.id)).one()
        assert (grade.percent_grade, grade.letter_grade) == (0.85, "Pass")


@pytest.mark.parametrize(
    ("field", "value"),
    [("percent_grade", "85"), ("percent_grade", "nan"), ("verified", "Maybe"),
     ("lms_last_updated_at", "yesterday")],
)  # fmt: skip
def test_bad_grade_values_are_422(lms: LmsClient, field: str, value: str) -> None:
    data = {"username": "ada", "course_run": RUN, "percent_grade": "0.5", "verified": "True"}
    data[field] = value
    response = lms.post_form(GRADES, data)
    assert response.status_code == 422
    assert response.json()["field"] == field


# -- course certificate settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-06-30 00:00:00+00:00", datetime(2026, 6, 30, tzinfo=UTC)),
        ("2026-06-30T00:00:00Z", datetime(2026, 6, 30, tzinfo=UTC)),
        (None, None),
    ],
)
def test_certificate_available_date_in_its_three_forms(
    site: Site, lms: LmsClient, sent: str | None, stored: datetime | None
) -> None:
    response = lms.post_json(
        COURSE_CERTIFICATES,
        {
            "course_id": RUN,
            "certificate_type": "verified",
            "certificate_available_date": sent,
            "is_active": True,
        },
    )
    assert response.status_code == 201, response.text
    with Session(site.services.engine) as session:
        course = session.exec(select(Course)).one()
        got = course.certificate_available_date
        assert (got.replace(tzinfo=UTC) if got else None) == stored


def test_the_run_date_embargoes_credentials_already_issued(
    lms: LmsClient, app_client: TestClient
) -> None:
    url = lms.post_course_certificate("ada", RUN).json()["certificate_url"]
    assert app_client.get(url).status_code == 200
    lms.post_json(
        COURSE_CERTIFICATES,
        {"course_id": RUN, "certificate_type": "verified",
         "certificate_available_date": "2099-06-30 00:00:00+00:00", "is_active": True},
    )  # fmt: skip
    assert app_client.get(url).status_code == 404


# -- programs -----------------------------------------------------------------------------------

PROGRAM_UUID = "2d7e3c1a-6b0f-4b8e-9a52-2f7e1c9d0b11"
RUNS = ["course-v1:Acme+CS101+2026_T1", "course-v1:Acme+CS102+2026_T1"]


def _program(site: Site, external_id: str | None = PROGRAM_UUID) -> None:
    from app.catalog.schemas import ProgramCreate

    with session_scope(site.services.engine) as session:
        site.services.catalog.create_program(
            session,
            site.org,
            ProgramCreate(
                slug="pair",
                title="Pair",
                required_courses=["Acme+CS101", "Acme+CS102"],
                external_id=external_id,
            ),
        )


def test_program_award_flow_as_the_lms_runs_it(
    site: Site, lms: LmsClient, app_client: TestClient
) -> None:
    _program(site)
    ada = LmsClient(app_client, learner_token("ada"))
    # the LMS asks with the learner's own JWT which programs are already certified
    assert ada.get_credentials("ada") == []
    response = lms.award_program("ada", 17, PROGRAM_UUID)  # no status, with lms_user_id
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["credential"]["type"] == "program"
    assert body["credential"]["program_uuid"] == PROGRAM_UUID
    assert body["status"] == "awarded"
    assert [c["credential"]["program_uuid"] for c in ada.get_credentials("ada")] == [PROGRAM_UUID]
    # the courses then arrive and meet Laurel's own rules: still one program credential
    for run in RUNS:
        assert lms.post_course_certificate("ada", run).status_code == 201
    assert _count(site, ProgramAward) == 1
    assert _count(site, IssuedCredential, kind="program") == 1
    # revoke: status "revoked", no attributes
    revoked = lms.revoke_program("ada", PROGRAM_UUID)
    assert revoked.status_code == 201 and revoked.json()["status"] == "revoked"
    assert ada.get_credentials("ada") == []
    assert _count(site, IssuedCredential, kind="program", status=CredentialStatus.REVOKED) == 1


def test_laurel_rules_first_then_the_lms_program_award(site: Site, lms: LmsClient) -> None:
    _program(site)
    for run in RUNS:
        lms.post_course_certificate("ada", run)
    assert _count(site, ProgramAward) == 1  # Laurel's rules concluded it
    response = lms.award_program("ada", 17, PROGRAM_UUID)
    assert response.status_code == 201
    assert _count(site, IssuedCredential, kind="program") == 1  # never twice
    listed = lms.get(CREDENTIALS, {"username": "ada", "program_uuid": PROGRAM_UUID}).json()
    # the program_uuid filter lists the program's certificate and its runs' ones
    assert listed["count"] == 3


def test_an_unknown_program_uuid_is_404(site: Site, lms: LmsClient) -> None:
    _program(site, external_id=None)
    assert lms.award_program("ada", 17, PROGRAM_UUID).status_code == 404


# -- listing ------------------------------------------------------------------------------------


def test_pagination_is_drf_page_numbers_followed_while_next(
    site: Site, lms: LmsClient, app_client: TestClient
) -> None:
    for n in range(45):
        assert lms.post_course_certificate("ada", f"course-v1:Acme+C{n}+R").status_code == 201
    first = lms.get(CREDENTIALS, {"username": "ada", "type": "course-run"}).json()
    assert first["count"] == 45 and first["previous"] is None
    assert len(first["results"]) == 20 and "page=2" in first["next"]
    third = lms.get(CREDENTIALS, {"username": "ada", "type": "course-run", "page": 3}).json()
    assert len(third["results"]) == 5 and third["next"] is None and "page=2" in third["previous"]
    assert lms.get(CREDENTIALS, {"username": "ada", "page": 4}).status_code == 404
    ada = LmsClient(app_client, learner_token("ada"))
    site.services.openedx_api.throttle.credentials = Rate(100, 60.0)
    everything = ada.get_credentials("ada", "course-run")
    assert len({c["uuid"] for c in everything}) == 45
    fields = set(everything[0])
    assert fields == {
        "username", "credential", "status", "uuid", "attributes", "date_override",
        "created", "modified", "certificate_url",
    }  # fmt: skip


# -- learner certificate status -----------------------------------------------------------------


def test_learner_cert_status(site: Site, lms: LmsClient, app_client: TestClient) -> None:
    lms.send_grade("ada", RUN, "A", 0.95, True, datetime(2026, 11, 1, tzinfo=UTC))
    lms.post_course_certificate("ada", RUN)
    lms.post_course_certificate("ada", "course-v1:Acme+CS999+R", status="revoked")
    answer = lms.post_json(LEARNER_STATUS, {"username": "ada", "course_runs": [RUN]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["username"] == "ada"
    [status] = body["status"]
    assert status["course_run"]["key"] == RUN and status["status"] == "awarded"
    assert status["grade"] == {"letter_grade": "A", "percent_grade": 0.95, "verified": True}
    both = lms.post_json(LEARNER_STATUS, {"username": "ada", "lms_user_id": 1, "courses": []})
    assert both.status_code == 422
    learner = LmsClient(app_client, learner_token("ada"))
    assert (
        learner.post_json(LEARNER_STATUS, {"username": "ada", "course_runs": [RUN]}).status_code
        == 403
    )


# -- throttling ---------------------------------------------------------------------------------


def test_429_with_retry_after_and_the_lms_retries(site: Site, lms: LmsClient) -> None:
    site.services.openedx_api.throttle.service = Rate(2, 4.0)  # a burst of 2, then 1 per 2 s
    answers = [lms.get(CREDENTIALS, {"username": "ada"}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    refused = lms.post_course_certificate("ada", RUN)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert _count(site, IssuedCredential) == 0  # refused before anything was done
    retried = lms.with_retries(lambda: lms.post_course_certificate("ada", RUN))
    assert retried.status_code == 201
    assert _count(site, IssuedCredential) == 1


def test_learners_are_throttled_like_the_original(
    site: Site, lms: LmsClient, app_client: TestClient
) -> None:
    ada = LmsClient(app_client, learner_token("ada"))
    codes = [ada.get(CREDENTIALS, {"username": "ada"}).status_code for _ in range(16)]
    assert codes[:15] == [200] * 15 and codes[15] == 429


def test_two_organizations_behind_one_lms(site: Site, lms: LmsClient, factory: Any) -> None:
    other = factory.org("beta")
    connect_org(site.services, other, codes=("Beta",))
    assert lms.post_course_certificate("ada", "course-v1:Beta+B1+R").status_code == 201
    assert lms.post_course_certificate("ada", RUN).status_code == 201
    with Session(site.services.engine) as session:
        orgs = sorted(c.org_id for c in session.exec(select(Course)))
    assert orgs == sorted([site.org.id, other.id])
    assert lms.get(CREDENTIALS, {"username": "ada"}).json()["count"] == 2


def test_racing_retries_of_one_award_issue_once(site: Site, lms: LmsClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: lms.post_course_certificate("ada", RUN), range(10)))
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    assert len({a.json()["uuid"] for a in answers}) == 1
    assert len({a.json()["certificate_url"] for a in answers}) == 1
    assert _count(site, IssuedCredential) == 1
    assert _count(site, Learner) == 1


def test_a_401_challenges_with_the_jwt_scheme(site: Site, app_client: TestClient) -> None:
    for response in (
        app_client.post(CREDENTIALS, json={}),
        app_client.get(CREDENTIALS, params={"username": "ada"}),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'JWT realm="api"'


@pytest.mark.parametrize("path", [CREDENTIALS, GRADES, COURSE_CERTIFICATES, LEARNER_STATUS])
@pytest.mark.parametrize("who", ["service user", "learner"])
def test_json_nested_too_deeply_is_a_400_problem(
    site: Site, app_client: TestClient, path: str, who: str
) -> None:
    token = service_token() if who == "service user" else learner_token("ada")
    response = app_client.post(
        path,
        content=("[" * 5000 + "]" * 5000).encode(),
        headers={"Authorization": f"JWT {token}", "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "body"


def _service_claims(**changes: Any) -> dict[str, Any]:
    payload = claims("credentials_service_user", administrator=True)
    for name, value in changes.items():
        if value is None:
            payload.pop(name)
        else:
            payload[name] = value
    return payload


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"exp": None}, "missing claim exp"),
        ({"aud": None}, "missing claim aud"),
        ({"nbf": "future"}, "not yet valid"),
        ({"iat": "future"}, "not yet valid"),
    ],
)
def test_a_401_says_which_claim_is_wrong_not_the_signature(
    site: Site, app_client: TestClient, changes: dict[str, Any], said: str
) -> None:
    """A well-signed token with a missing or future claim was told "the JWT's signature does
    not verify", sending the operator after the wrong setting."""
    future = int(datetime.now(UTC).timestamp()) + 3600
    payload = _service_claims(**{k: future if v == "future" else v for k, v in changes.items()})
    response = LmsClient(app_client, pyjwt_hs256(payload, SECRET)).post_course_certificate(
        "ada", RUN
    )
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert said in detail and "signature" not in detail
    assert SECRET not in response.text


def test_a_bad_signature_still_says_so(site: Site, app_client: TestClient) -> None:
    response = LmsClient(app_client, service_token(secret="x" * 40)).post_course_certificate(
        "ada", RUN
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "the JWT's signature does not verify"


def test_a_restricted_application_may_not_write(site: Site, app_client: TestClient) -> None:
    """edx-drf-extensions refuses ``is_restricted`` tokens (NotJwtRestrictedApplication)
    on views that do not opt in; no write view here does."""
    payload = _service_claims(is_restricted=True, scopes=["credentials:write"])
    payload["filters"] = ["content_org:Acme"]
    restricted = LmsClient(app_client, pyjwt_hs256(payload, SECRET))
    response = restricted.post_course_certificate("ada", RUN)
    assert response.status_code == 403, response.text
    assert "restricted" in response.json()["detail"]
    assert restricted.send_grade("ada", RUN, "Pass", 0.9, True, None).status_code == 403
    assert restricted.post_course_certificate("ada", RUN).status_code == 403
    assert _count(site, IssuedCredential) == 0


@pytest.mark.parametrize(
    "date", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"]
)
@pytest.mark.parametrize("where", ["date_override", "visible_date"])
def test_dates_out_of_range_are_422_naming_the_field(
    site: Site, lms: LmsClient, date: str, where: str
) -> None:
    """Year 1 was issued (validFrom year 1, echoed as "1-01-01T00:00:00Z"); 9999-12-31 was
    silently dropped. Both are refused, naming the field, and nothing is issued."""
    body: dict[str, Any] = {
        "username": "ada",
        "status": "awarded",
        "credential": {"course_run_key": RUN, "mode": "verified", "type": "course-run"},
        "date_override": {"date": date} if where == "date_override" else None,
    }
    if where == "visible_date":
        body["attributes"] = [{"name": "visible_date", "value": date}]
    response = lms.post_json(CREDENTIALS, body)
    assert response.status_code == 422, response.text
    field = "date_override.date" if where == "date_override" else "attributes.visible_date"
    assert response.json()["field"] == field
    assert _count(site, IssuedCredential) == 0


def test_a_certificate_available_date_out_of_range_is_422(lms: LmsClient) -> None:
    response = lms.post_json(
        COURSE_CERTIFICATES,
        {"course_id": RUN, "certificate_type": "verified", "is_active": True,
         "certificate_available_date": "0001-01-01T00:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == (
        "certificate_available_date"
    )


def test_another_tenants_course_org_looks_like_an_unconnected_one(
    site: Site, lms: LmsClient, factory: Any
) -> None:
    """ "no organization is connected..." vs "No active CourseCertificate..." told one tenant
    which course organization codes other tenants had connected."""
    other = factory.org("beta")
    connect_org(site.services, other, codes=("Beta",), jwt_secret="another-lms-secret-0123456789")

    def answers(code: str) -> list[tuple[int, str]]:
        run = f"course-v1:{code}+B1+R"
        replies = [
            lms.post_course_certificate("ada", run),
            lms.send_grade("ada", run, "Pass", 0.9, True, None),
            lms.post_json(COURSE_CERTIFICATES, {"course_id": run, "certificate_type": "verified"}),
        ]
        return [(r.status_code, r.json()["detail"].replace(code, "X")) for r in replies]

    taken, free = answers("Beta"), answers("Nobody")
    assert taken == free
    assert all(status == 404 for status, _ in taken)


@pytest.mark.parametrize("path", ["credential", "grade"])
def test_a_ccx_run_is_a_clear_422(lms: LmsClient, path: str) -> None:
    """CCX runs are not supported (docs/connect-openedx.md): a 4xx the LMS task gives up on."""
    ccx = "ccx-v1:Acme+CS101+2026_T1+ccx@3"
    if path == "credential":
        response = lms.post_course_certificate("ada", ccx)
    else:
        response = lms.send_grade("ada", ccx, "Pass", 0.9, True, None)
    assert response.status_code == 422, response.text
    assert "CCX" in response.json()["detail"]
