"""Validity periods and renewal: validUntil from the course's period, renewal inside and
outside the window, the renewed credential verifying on its own, the old one expired (not
revoked), and the record showing the newest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.core.duration import parse_duration
from app.models import IssuedCredential
from tests.lms import Lms

DAY = 24 * 60  # minutes, for Lms.grade(minute=...)


@pytest.mark.parametrize(
    ("start", "period", "end"),
    [
        ("2024-02-29T12:00:00", "P1Y", "2025-02-28T12:00:00"),  # no 29 February: the 28th
        ("2024-02-29T12:00:00", "P4Y", "2028-02-29T12:00:00"),
        ("2026-01-31T00:00:00", "P1M", "2026-02-28T00:00:00"),  # clamped to the month's end
        ("2026-12-15T08:30:00", "P18M", "2028-06-15T08:30:00"),
        ("2026-03-01T12:00:00", "P2W", "2026-03-15T12:00:00"),
        ("2026-03-01T12:00:00", "P1Y6M10D", "2027-09-11T12:00:00"),
    ],
)
def test_validity_period_boundaries(start: str, period: str, end: str) -> None:
    began = datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert parse_duration(period).after(began) == datetime.fromisoformat(end).replace(tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2Y", "P", "P0D", "PT12H", "P1.5Y", "P-1Y", "P1Y2", "p1y"])
def test_a_bad_validity_is_a_problem_naming_the_field(lms: Lms, bad: str) -> None:
    response = lms.post(
        "/courses", {"key": "X1", "title": "X", "passing_grade": 0.5, "validity": bad}
    )
    assert response.status_code == 422, response.text
    assert "validity" in response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_validity_gives_valid_until_and_the_catalog_shows_it(lms: Lms) -> None:
    course = lms.course(validity="P2Y", renewal_window="P90D")
    assert (course["validity"], course["renewal_window"]) == ("P2Y", "P90D")
    uuid = lms.grade(expect=201, learner="ada")["credential"]["uuid"]
    vc = lms.document(uuid)
    assert (vc["validFrom"], vc["validUntil"]) == ("2026-03-01T12:00:00Z", "2028-03-01T12:00:00Z")
    with Session(lms.services.engine) as session:
        record = session.get(IssuedCredential, uuid)
        assert record is not None and record.valid_until is not None
    patched = lms.client.patch(
        f"/api/v1/courses/{course['key']}", json={"validity": None}, headers=lms.headers
    )
    assert patched.status_code == 200 and patched.json()["validity"] is None
    program = lms.program("cs", ["Acme+CS101"], validity="P1Y")
    assert program["validity"] == "P1Y"


def test_renewal_window_boundaries(lms: Lms) -> None:
    """P6M from 1 March 12:00 ends 1 September 12:00; the P30D window opens 2 August 12:00."""
    lms.course(validity="P6M", renewal_window="P30D")
    first = lms.grade(expect=201, learner="ada")["credential"]
    early = lms.grade(expect=200, learner="ada", minute=154 * DAY - 1)  # 1 minute before
    assert early["status"] == "already_awarded" and early["credential"]["uuid"] == first["uuid"]
    renewed = lms.grade(expect=201, learner="ada", minute=154 * DAY)  # 2 August 12:00
    assert renewed["status"] == "awarded" and renewed["reason"] == f"renews {first['id']}"
    vc = lms.document(renewed["credential"]["uuid"])
    assert (vc["validFrom"], vc["validUntil"]) == ("2026-08-02T12:00:00Z", "2027-02-02T12:00:00Z")
    again = lms.grade(expect=200, learner="ada", minute=160 * DAY)  # the new one is far off
    assert again["status"] == "already_awarded"


def test_renewal_after_expiry_keeps_and_links_the_old_credential(lms: Lms) -> None:
    lms.course(validity="P6M")  # no window: only after 1 September 12:00
    old = lms.grade(expect=201, learner="ada")["credential"]
    inside = lms.grade(expect=200, learner="ada", minute=170 * DAY)  # before expiry
    assert inside["status"] == "already_awarded"
    failing = lms.grade(expect=200, learner="ada", grade=0.5, minute=200 * DAY)
    assert failing["status"] == "already_awarded"  # a failing grade renews nothing
    new = lms.grade(expect=201, learner="ada", minute=210 * DAY)["credential"]
    assert new["uuid"] != old["uuid"]

    # The renewed credential verifies on its own; the old one is expired, not revoked.
    renewed = lms.assert_valid(new["uuid"])
    assert renewed["validFrom"] == "2026-09-27T12:00:00Z"
    with Session(lms.services.engine) as session:
        old_record = session.get(IssuedCredential, old["uuid"])
        new_record = session.get(IssuedCredential, new["uuid"])
        assert old_record is not None and new_record is not None
        assert old_record.status == "active" and new_record.renewal_of == old["uuid"]
        report = lms.services.verifier.verify(session, lms.document(old["uuid"]))
    assert not report.verified
    failed = {c.name: c for c in report.checks if not c.passed}
    assert set(failed) == {"validity"} and failed["validity"].code == "EXPIRED"
    assert all(c.passed for c in report.checks if c.name in ("proof", "revocation"))
    page = lms.client.get(f"/credentials/{old['uuid']}", headers={"Accept": "text/html"}).text
    assert "Expired on 1 September 2026." in page and "Not revoked." in page
    assert "Expired on" in page and "See the current credential" in page
    assert f'href="{lms.services.identity.credential_url(new["uuid"])}"' in page
    # The learner's record shows the newest as current.
    listed = lms.get("/learners/ada/credentials").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [c["uuid"] for c in items] == [new["uuid"]]


def test_program_validity_and_renewal_when_its_courses_are_renewed(lms: Lms) -> None:
    lms.course(validity="P6M")
    lms.program("cs", ["Acme+CS101"], validity="P6M")
    first = lms.grade(expect=201, learner="ada")
    (program,) = first["programs"]
    old_vc = lms.document(program["credential"]["uuid"])
    assert old_vc["validUntil"] == "2026-09-01T12:00:00Z"
    renewed = lms.grade(expect=201, learner="ada", minute=210 * DAY)
    (again,) = renewed["programs"]
    assert again["status"] == "awarded"
    assert again["credential"]["uuid"] != program["credential"]["uuid"]
    vc = lms.assert_valid(again["credential"]["uuid"])
    assert vc["validUntil"] == "2027-03-27T12:00:00Z"
