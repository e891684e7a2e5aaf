"""The shared apply layer (REST and event bus): the LMS's word applied once, in LMS order."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from app.db import session_scope
from app.errors import InvalidInput, NotFound
from app.integrations.openedx.service import CertificateOutcome
from app.models import (
    Course,
    CourseAward,
    CourseGrade,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxUser,
)
from app.models.enums import CredentialStatus
from tests.factories import Factory
from tests.integrations.openedx.conftest import RUN, Site

T0 = datetime(2026, 11, 30, 18, 39, 36, 491946, tzinfo=UTC)


def _award(site: Site, when: datetime | None = T0, **kw: Any) -> CertificateOutcome:
    args: dict[str, Any] = {
        "username": "ada",
        "lms_user_id": 17,
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "mode": "verified",
    }
    args.update(kw)
    run = args.pop("run", RUN)
    with session_scope(site.services.engine) as session:
        return site.services.openedx.award_course_certificate(session, run, lms_time=when, **args)


def _revoke(site: Site, when: datetime | None = T0, **kw: Any) -> CertificateOutcome:
    args: dict[str, Any] = {"username": "ada", "lms_user_id": 17}
    args.update(kw)
    with session_scope(site.services.engine) as session:
        return site.services.openedx.revoke_course_certificate(session, RUN, lms_time=when, **args)


def _count(site: Site, model: type, **where: Any) -> int:
    with Session(site.services.engine) as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return session.exec(stmt).one()  # type: ignore[no-any-return]


def _credentials(site: Site) -> list[IssuedCredential]:
    with Session(site.services.engine) as session:
        return list(session.exec(select(IssuedCredential).order_by(IssuedCredential.issued_at)))


def test_a_run_of_a_connected_code_is_created_on_first_sight(site: Site) -> None:
    with session_scope(site.services.engine) as session:
        org, course = site.services.openedx.course_run_for(session, RUN)
        assert (org.slug, course.title, course.course_key) == ("acme", RUN, "Acme+CS101")
        # a later title replaces the key-as-title, once
        _, again = site.services.openedx.course_run_for(session, RUN, "Intro to CS")
        assert again.id == course.id and again.title == "Intro to CS"
        _, kept = site.services.openedx.course_run_for(session, RUN, "Other")
        assert kept.title == "Intro to CS"
        with pytest.raises(NotFound):
            site.services.openedx.course_run_for(session, "course-v1:Other+X+1")
        with pytest.raises(InvalidInput):
            site.services.openedx.course_run_for(session, "not a key")
        assert site.services.openedx.connection_for_course_key(session, RUN) is not None
        assert site.services.openedx.connection_for_course_key(session, "junk") is None


def test_an_award_issues_once_and_duplicates_change_nothing(site: Site) -> None:
    first = _award(site, title="Intro to CS")
    assert first.status == "awarded" and first.credential is not None
    again = _award(site)
    assert again.status == "already_awarded"
    assert again.credential is not None and again.credential.uuid == first.credential.uuid
    later = _award(site, when=T0 + timedelta(hours=1))  # the LMS says it again, later
    assert later.status == "already_awarded"
    assert _count(site, IssuedCredential) == 1
    document = json.loads(_credentials(site)[0].document)
    assert document["credentialSubject"]["achievement"]["name"] == "Intro to CS"
    with Session(site.services.engine) as session:
        learner = session.exec(select(Learner)).one()
        assert (learner.lms_id, learner.name) == ("17", "Ada Lovelace")
        user = session.exec(select(OpenEdxUser)).one()
        assert (user.username, user.lms_user_id) == ("ada", "17")


def test_a_username_alone_finds_the_learner_its_id_made(site: Site) -> None:
    _award(site)
    outcome = _revoke(site, when=T0 + timedelta(minutes=1), lms_user_id=None)
    assert outcome.status == "revoked"
    assert _count(site, Learner) == 1
    assert _credentials(site)[0].status == CredentialStatus.REVOKED


def test_revocation_is_applied_once(site: Site) -> None:
    _award(site)
    first = _revoke(site, when=T0 + timedelta(minutes=1))
    assert first.status == "revoked" and first.credential is not None
    assert first.credential.status == CredentialStatus.REVOKED
    assert _revoke(site, when=T0 + timedelta(minutes=1)).status == "already_revoked"


def test_an_award_older_than_the_revocation_it_crossed_is_stale(site: Site) -> None:
    """Revoke (t2) arrives before the award (t1 < t2): nothing is ever issued for t1."""
    assert _revoke(site, when=T0 + timedelta(minutes=5)).status == "revoked"
    late = _award(site, when=T0)
    assert late.status == "stale" and late.credential is None
    assert _count(site, IssuedCredential) == 0
    # a newer award after the revocation issues
    newer = _award(site, when=T0 + timedelta(minutes=10))
    assert newer.status == "awarded"
    assert _count(site, IssuedCredential) == 1


def test_a_revocation_older_than_the_award_revokes_nothing(site: Site) -> None:
    _award(site, when=T0 + timedelta(minutes=5))
    assert _revoke(site, when=T0).status == "stale"
    assert _credentials(site)[0].status == CredentialStatus.ACTIVE


def test_a_revocation_and_an_award_at_the_same_instant_end_revoked(site: Site) -> None:
    _award(site, when=T0)
    assert _revoke(site, when=T0).status == "revoked"
    assert _award(site, when=T0).status == "stale"
    assert _credentials(site)[0].status == CredentialStatus.REVOKED


def test_a_newer_award_after_a_revocation_issues_a_new_credential(site: Site) -> None:
    first = _award(site, when=T0)
    _revoke(site, when=T0 + timedelta(minutes=1))
    again = _award(site, when=T0 + timedelta(minutes=2))
    assert again.status == "awarded" and again.credential is not None
    assert first.credential is not None and again.credential.uuid != first.credential.uuid
    statuses = sorted(c.status for c in _credentials(site))
    assert statuses == [CredentialStatus.ACTIVE, CredentialStatus.REVOKED]
    with Session(site.services.engine) as session:
        award = session.exec(select(CourseAward)).one()
        assert award.credential_uuid == again.credential.uuid
        cert = session.exec(select(OpenEdxCertificate)).one()
        assert (cert.status, cert.credential_uuid) == ("awarded", again.credential.uuid)


def test_visible_date_embargoes_the_credential(site: Site) -> None:
    visible = datetime(2030, 1, 1, tzinfo=UTC)
    outcome = _award(site, visible_date=visible)
    assert outcome.credential is not None
    with Session(site.services.engine) as session:
        record = session.get(IssuedCredential, outcome.credential.uuid)
        assert record is not None and record.public_from is not None
        assert record.public_from.replace(tzinfo=UTC) == visible


def test_grades_are_stored_and_never_award_by_themselves(site: Site) -> None:
    with session_scope(site.services.engine) as session:
        out = site.services.openedx.record_grade(
            session, RUN, "ada", None, 0.93, "", T0, mode="verified"
        )
        assert not out.stale
    with session_scope(site.services.engine) as session:
        older = site.services.openedx.record_grade(
            session, RUN, "ada", None, 0.2, "F", T0 - timedelta(days=1)
        )
        assert older.stale
    assert _count(site, IssuedCredential) == 0
    with Session(site.services.engine) as session:
        grade = session.exec(select(CourseGrade)).one()
        assert (grade.percent_grade, grade.letter_grade) == (0.93, None)
    with session_scope(site.services.engine) as session, pytest.raises(InvalidInput):
        site.services.openedx.record_grade(session, RUN, "ada", None, 93.0, "A", T0)
    # the certificate then carries the stored grade
    outcome = _award(site, lms_user_id=None)
    assert outcome.credential is not None
    document = json.loads(outcome.credential.document)
    values = [r.get("value") for r in document["credentialSubject"].get("result", [])]
    assert "93" in values


def test_laurel_program_rules_follow_lms_awards(site: Site, factory: Factory) -> None:
    runs = ["course-v1:Acme+CS101+2026_T1", "course-v1:Acme+CS102+2026_T1"]
    with session_scope(site.services.engine) as session:
        from app.catalog.schemas import ProgramCreate

        site.services.catalog.create_program(
            session,
            site.org,
            ProgramCreate(slug="pair", title="Pair", required_courses=["Acme+CS101", "Acme+CS102"]),
        )
    _award(site, run=runs[0])
    outcome = _award(site, run=runs[1])
    assert [p.status for p in outcome.programs] == ["awarded"]
    assert _count(site, IssuedCredential, kind="program") == 1


@pytest.mark.parametrize("kind", ["award", "revoke"])
def test_racing_copies_apply_once(site: Site, kind: str) -> None:
    if kind == "revoke":
        _award(site)
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            when = T0 + timedelta(minutes=1)
            out = _revoke(site, when=when) if kind == "revoke" else _award(site, when=when)
            results.append(out.status)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    if kind == "award":
        assert sorted(results) == ["already_awarded"] * 7 + ["awarded"]
        assert _count(site, IssuedCredential) == 1
    else:
        assert sorted(results) == ["already_revoked"] * 7 + ["revoked"]
        assert _count(site, IssuedCredential, status=CredentialStatus.REVOKED) == 1
    assert _count(site, Learner) == 1
    assert _count(site, Course) == 1
    assert _count(site, OpenEdxCertificate) == 1
