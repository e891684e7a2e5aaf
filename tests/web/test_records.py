"""Learner records: share links made and revoked through the API, the /records page, and
course signatories and program layouts on the certificate page (data from the LMS API)."""

from __future__ import annotations

import json
import re
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.issuers import scopes
from app.sharing.service import EarnedCredential
from app.web.records import kind_label
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.lms import Lms
from tests.web.helpers import BROWSER_ACCEPT, named_badge, set_public_from, set_status
from tests.web.test_browser import _contrast_failures
from tests.web.test_share_page import parse

SIGNATURE = (
    "data:image/svg+xml;base64,"
    + b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><path d="M5 30c20-30 30 10 '
        b'50-10s20 20 60-5" fill="none" stroke="#123" stroke-width="2"/></svg>'
    ).decode()
)
CS = "course-v1:Acme+CS{}+2026_T1"


def _catalog(lms: Lms) -> None:
    lms.course(
        CS.format(101),
        title="Introduction to Computer Science",
        grade_bands=[{"name": "Pass", "min_grade": 0.7}, {"name": "Distinction", "min_grade": 0.9}],
        public_grade=True,  # the certificate page shows the grade only when the course opts in
        signatories=[
            {"name": "Ada Lovelace", "title": "Professor", "organization": "Acme University",
             "signature_image_url": SIGNATURE},
        ],
    )  # fmt: skip
    lms.course(CS.format(102), title="Data Structures")
    lms.course(CS.format(103), title="Algorithms")
    lms.course(CS.format(104), title="Databases")
    lms.program(
        "cs-fundamentals",
        ["Acme+CS101", "Acme+CS102"],
        [{"choose": 1, "courses": ["Acme+CS103", "Acme+CS104"]}],
        title="Computer Science Fundamentals",
        program_type="Professional Certificate",
    )
    lms.program("data-track", ["Acme+CS101", "Acme+CS104"], title="Data Track")


def _learner_with_awards(lms: Lms) -> dict[str, str]:
    """u1 earns CS101 (with distinction), CS102 and CS103: the fundamentals program follows."""
    _catalog(lms)
    uuids = {}
    for number, grade in ((101, 0.95), (102, 0.8), (103, 0.75)):
        outcome = lms.grade(expect=201, learner="u1", run=CS.format(number), grade=grade,
                            name="Grace Hopper")  # fmt: skip
        uuids[str(number)] = outcome["credential"]["uuid"]
    credentials = lms.get("/learners/u1/credentials").json()
    programs = [c for c in credentials if c["kind"] == "program"]
    assert len(programs) == 1, credentials
    uuids["program"] = programs[0]["uuid"]
    return uuids


def _share(lms: Lms, learner: str = "u1", **body: str) -> dict:  # type: ignore[type-arg]
    response = lms.post(f"/learners/{learner}/record-shares", body or None)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _record_text(lms: Lms, url: str) -> str:
    response = lms.client.get(url, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    return " ".join(parse(response.text).text)


def test_share_link_lifecycle(lms: Lms) -> None:
    _learner_with_awards(lms)
    share = _share(lms, label="Job application")
    assert share["url"] == f"{BASE_URL}/records/{share['id']}"
    assert len(share["id"]) >= 22 and share["revoked_at"] is None
    path = share["url"].removeprefix(BASE_URL)
    text = _record_text(lms, path)
    assert "Grace Hopper" in text
    listed = lms.get("/learners/u1/record-shares").json()["items"]
    assert [s["id"] for s in listed] == [share["id"]] and listed[0]["label"] == "Job application"

    revoke = lms.client.delete(f"/api/v1/learners/u1/record-shares/{share['id']}",
                               headers=lms.headers)  # fmt: skip
    assert revoke.status_code == 204
    again = lms.client.delete(f"/api/v1/learners/u1/record-shares/{share['id']}",
                              headers=lms.headers)  # fmt: skip
    assert again.status_code == 204  # idempotent
    gone = lms.client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert gone.status_code == 404 and "Page not found" in gone.text
    assert lms.client.get(path).status_code == 404
    assert lms.get("/learners/u1/record-shares").json()["items"][0]["revoked_at"] is not None
    # A new link works; the old one stays dead.
    fresh = _share(lms)
    assert fresh["id"] != share["id"]
    assert lms.client.get(fresh["url"].removeprefix(BASE_URL)).status_code == 200
    assert lms.client.get(path).status_code == 404


def test_record_lists_credentials_and_program_progress(lms: Lms) -> None:
    uuids = _learner_with_awards(lms)
    html = lms.client.get(_share(lms)["url"].removeprefix(BASE_URL)).text
    page = parse(html)
    text = " ".join(page.text)
    for title in ("Introduction to Computer Science", "Data Structures", "Algorithms",
                  "Computer Science Fundamentals"):  # fmt: skip
        assert title in text
    links = {a["href"] for a in page.anchors}
    for uuid in uuids.values():
        assert f"{BASE_URL}/credentials/{uuid}" in links
    fundamentals = re.search(r"Computer Science Fundamentals.*?</article>", html, re.S)
    assert fundamentals and "Completed" in fundamentals.group(0)
    assert "3 of 3 courses" in fundamentals.group(0)
    data_track = re.search(r"<h3[^>]*>Data Track.*?</article>", html, re.S)
    assert data_track and "1 of 2 courses" in data_track.group(0)
    assert "50%" in data_track.group(0) and "Databases" in data_track.group(0)
    assert "(not yet earned)" in data_track.group(0)
    assert len(html.encode()) < 150_000


def test_record_labels_revoked_and_hides_not_yet_public_credentials(lms: Lms) -> None:
    """A revoked credential is listed as revoked (the learner must not be told they have
    none) and no longer counts towards a program; one not yet public is not listed."""
    uuids = _learner_with_awards(lms)
    path = _share(lms)["url"].removeprefix(BASE_URL)
    set_status(lms.services, uuids["102"], "revoke")  # the program cascade follows
    set_public_from(lms.services, uuids["103"], datetime.now(UTC) + timedelta(days=1))
    html = lms.client.get(path).text
    revoked = re.search(rf"<li>\s*<img[^>]*{uuids['102']}.*?</li>", html, re.S)
    assert revoked and '<span class="chip chip--revoked">Revoked</span>' in revoked.group(0)
    assert f"/credentials/{uuids['103']}" not in html
    assert f"/credentials/{uuids['101']}" in html
    fundamentals = re.search(r"Computer Science Fundamentals.*?</article>", html, re.S)
    assert fundamentals and "1 of 3 courses" in fundamentals.group(0)


def test_share_links_belong_to_the_callers_organization_and_need_the_scope(
    factory: Factory, lms: Lms
) -> None:
    _learner_with_awards(lms)
    share = _share(lms)
    other = Lms(factory, factory.caller("globex"))
    assert other.post("/learners/u1/record-shares", None).status_code == 404
    response = other.client.delete(f"/api/v1/learners/u1/record-shares/{share['id']}",
                                   headers=other.headers)  # fmt: skip
    assert response.status_code == 404
    reader = Lms(factory, factory.caller("acme", scopes=[scopes.RECORDS]))
    assert reader.post("/learners/u1/record-shares", None).status_code == 403
    assert lms.post("/learners/nobody/record-shares", None).status_code == 404
    assert lms.client.get("/records/not-a-share").status_code == 404


def test_course_signatories_and_the_program_layout(lms: Lms) -> None:
    uuids = _learner_with_awards(lms)
    course = lms.client.get(f"/credentials/{uuids['101']}", headers={"Accept": "text/html"}).text
    text = " ".join(parse(course).text)
    assert "Ada Lovelace" in text and "Professor, Acme University" in text
    assert 'alt="Signature of Ada Lovelace"' in course
    assert "Grace Hopper" in text and "Distinction" in text and "95%" in text
    assert "Certificate of completion" in text
    program = lms.client.get(
        f"/credentials/{uuids['program']}", headers={"Accept": "text/html"}
    ).text
    text = " ".join(parse(program).text)
    assert "Program certificate" in text and "Computer Science Fundamentals" in text
    assert "certificate--program" in program
    for course_title in ("Introduction to Computer Science", "Data Structures", "Algorithms"):
        assert course_title in text  # the courses it rests on (its evidence)


@pytest.mark.browser
def test_record_page_in_the_browser(lms: Lms, live_server: str, page, artifacts, engine) -> None:  # type: ignore[no-untyped-def]
    uuids = _learner_with_awards(lms)
    page.goto(live_server + _share(lms)["url"].removeprefix(BASE_URL))
    assert page.locator("h1").inner_text() == "Grace Hopper"
    assert page.locator(".credential-list li").count() == 4
    assert page.locator("progress").count() == 2
    assert _contrast_failures(page) == []
    page.screenshot(path=artifacts / f"record-{engine.dialect.name}.png", full_page=True)
    page.goto(f"{live_server}/credentials/{uuids['program']}")
    page.screenshot(path=artifacts / f"program-{engine.dialect.name}.png", full_page=True)
    page.goto(f"{live_server}/credentials/{uuids['101']}")
    assert page.locator(".signatory__image").evaluate("img => img.naturalWidth > 0")
    page.screenshot(
        path=artifacts / f"course-signatories-{engine.dialect.name}.png", full_page=True
    )


@pytest.mark.parametrize(
    ("kind", "achievement_type", "label"),
    [("course", "Badge", "Badge"), ("course", "Course", "Course certificate"),
     ("course", None, "Course certificate"), ("program", "Certificate", "Program certificate")],
)  # fmt: skip
def test_record_rows_name_what_each_credential_is(
    kind: str, achievement_type: str | None, label: str
) -> None:
    """r15: a Badge ("Data Ethics") was listed as "Course certificate" on the record."""
    credential = named_badge("Data Ethics")
    if achievement_type:
        credential["credentialSubject"]["achievement"]["achievementType"] = achievement_type
    item = EarnedCredential(
        title="Data Ethics", kind=kind, awarded_at=datetime.now(UTC), url="/x", uuid="u",
        document=json.dumps(credential),
    )  # fmt: skip
    assert kind_label(item) == label


def test_record_badges_load_for_print() -> None:
    """r15: printed, lazy badge images were blank (never scrolled into view)."""
    template = Path("templates/records/record.html").read_text()
    assert 'class="badge' in template and 'loading="lazy"' not in template


@pytest.mark.parametrize(
    ("lang", "grade", "band", "qr"),
    [
        ("es", "Calificación final", "Mención", "Código QR con la dirección de esta página"),
        ("fr", "Note finale", "Mention", "Code QR de l\u2019adresse de cette page"),
        ("ar", "الدرجة النهائية", "التقدير", "رمز QR لعنوان هذه الصفحة"),
    ],
)
def test_grade_labels_and_the_qr_code_speak_the_readers_language(
    lms: Lms, lang: str, grade: str, band: str, qr: str
) -> None:
    """r15 3(c), 3(d): "Final grade" and "Grade band" (names Laurel writes into the credential)
    and the QR code's label were English on every page; each label is isolated for bidi."""
    uuids = _learner_with_awards(lms)
    page = lms.client.get(
        f"/credentials/{uuids['101']}?lang={lang}", headers={"Accept": BROWSER_ACCEPT}
    ).text
    assert f">{grade}</bdi></dt>" in page and f">{band}</bdi></dt>" in page
    assert f'aria-label="{qr}"' in page
    assert ">Final grade<" not in page and ">Grade band<" not in page
