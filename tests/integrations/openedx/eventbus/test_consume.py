"""Events from the real Open edX producer, consumed into signed credentials (SQLite and
PostgreSQL): once per event, in LMS order, poison aside."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import Session, func, select

from app.config import Settings
from app.container import build_services
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.consumer import RetryLater
from app.integrations.openedx.eventbus.dead_letter import dead_letter_stream
from app.integrations.openedx.eventbus.envelope import stream_name
from app.models import BusEvent, CourseGrade, IssuedCredential, Learner
from app.models.enums import CredentialStatus
from tests.integrations.openedx.conftest import RUN, Site
from tests.integrations.openedx.eventbus.conftest import (
    TOPIC,
    certificate,
    make_consumer,
    new_group,
    produce,
    run_consumer,
)

T1 = "2026-11-30T18:00:00.000001+00:00"
T2 = "2026-11-30T18:05:00.000001+00:00"


def _credentials(site: Site) -> list[IssuedCredential]:
    with Session(site.services.engine) as session:
        return list(session.exec(select(IssuedCredential)))


def _count(site: Site, model: type) -> int:
    with Session(site.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _pending(redis_client: Any, prefix: str, group: str = "laurel") -> int:
    return int(redis_client.xpending(stream_name(TOPIC, prefix), group)["pending"])


def test_a_certificate_event_becomes_one_signed_credential(
    site: Site, redis_client: Any, bus_url: str, prefix: str
) -> None:
    new_group(redis_client, prefix)
    [event_id] = produce(bus_url, prefix, [certificate("created", course_key=RUN,
                                                      display_name="Intro to CS")])  # fmt: skip
    totals = run_consumer(site, redis_client, prefix)
    assert totals.outcomes == {"awarded": 1}
    [credential] = _credentials(site)
    assert credential.status == CredentialStatus.ACTIVE
    assert "proof" in credential.document and "Intro to CS" in credential.document
    with Session(site.services.engine) as session:
        learner = session.exec(select(Learner)).one()
        assert (learner.lms_id, learner.name) == ("7", "Ada")
        applied = session.exec(select(BusEvent)).one()
        assert (applied.event_id, applied.outcome) == (event_id, "awarded")
    assert _pending(redis_client, prefix) == 0  # acknowledged after the commit


def test_duplicates_change_nothing(
    site: Site, redis_client: Any, bus_url: str, prefix: str
) -> None:
    """The same event delivered twice (one id), and the LMS saying it again (a new id)."""
    new_group(redis_client, prefix)
    same = str(uuid.uuid1())
    produce(bus_url, prefix, [
        certificate("created", course_key=RUN, id=same),
        certificate("created", course_key=RUN, id=same),
        certificate("changed", course_key=RUN, status="downloadable"),
        certificate("created", course_key=RUN),
    ])  # fmt: skip
    totals = run_consumer(site, redis_client, prefix, batch_size=2)
    assert totals.outcomes == {"awarded": 1, "duplicate": 1, "already_awarded": 2}
    assert len(_credentials(site)) == 1
    assert _count(site, BusEvent) == 3
    # A redelivery after everything committed (a consumer died before XACK): no effect.
    stream = stream_name(TOPIC, prefix)
    [(_, fields)] = redis_client.xrange(stream, count=1)
    redis_client.xadd(stream, fields)
    assert run_consumer(site, redis_client, prefix).outcomes == {"duplicate": 1}
    assert len(_credentials(site)) == 1


def test_a_revocation_that_overtakes_its_award_wins(
    site: Site, redis_client: Any, bus_url: str, prefix: str
) -> None:
    new_group(redis_client, prefix)
    produce(bus_url, prefix, [
        certificate("revoked", course_key=RUN, status="notpassing", time=T2),
        certificate("created", course_key=RUN, time=T1),
        # another learner, in order: awarded, then revoked
        certificate("created", course_key=RUN, user_id=8, username="bob", time=T1),
        certificate("changed", course_key=RUN, user_id=8, username="bob", status="unavailable",
                    time=T2),
    ])  # fmt: skip
    totals = run_consumer(site, redis_client, prefix)
    assert totals.outcomes == {"revoked": 2, "stale": 1, "awarded": 1}
    [bobs] = _credentials(site)  # nothing was ever issued for ada's overtaken award
    assert bobs.status == CredentialStatus.REVOKED


def test_poison_goes_to_the_dead_letter_stream_and_never_blocks(
    site: Site, redis_client: Any, bus_url: str, prefix: str, codec: AvroCodec
) -> None:
    new_group(redis_client, prefix)
    stream = stream_name(TOPIC, prefix)
    produce(bus_url, prefix, [certificate("created", course_key=RUN, user_id=1, username="a")])
    [(_, good)] = redis_client.xrange(stream)
    # Bytes of no schema; no event id; a course key no LMS would send (the producer cannot).
    redis_client.xadd(stream, {**good, b"id": str(uuid.uuid1()).encode(),
                               b"event_data": b"\x02garbage"})  # fmt: skip
    redis_client.xadd(stream, {k: v for k, v in good.items() if k != b"id"})
    record = codec.decode(good[b"type"].decode(), good[b"event_data"])
    record["certificate"]["course"]["course_key"] = "course-v1:Acme+Bad Key+1"
    bad_key = codec.encode(good[b"type"].decode(), record)
    redis_client.xadd(stream, {**good, b"id": str(uuid.uuid1()).encode(), b"event_data": bad_key})
    produce(bus_url, prefix, [
        certificate("created", course_key="course-v1:Elsewhere+X+1", user_id=3),  # not ours
        certificate("created", course_key=RUN, user_id=4, username="d"),
    ])  # fmt: skip
    totals = run_consumer(site, redis_client, prefix, commit_every=2)  # poison across units
    assert totals.dead_lettered == 3
    assert totals.outcomes == {"awarded": 2, "unconnected": 1}
    assert len(_credentials(site)) == 2  # the entries after the poison were applied
    assert _pending(redis_client, prefix) == 0
    letters = redis_client.xrange(dead_letter_stream(stream))
    reasons = [fields[b"dead_letter_reason"].decode() for _, fields in letters]
    assert any("not Avro" in r for r in reasons), reasons
    assert any('no "id"' in r for r in reasons), reasons
    assert any("course run key" in r for r in reasons), reasons
    for _, fields in letters:  # the original entry, whole, beside the reason
        assert fields[b"type"] == b"org.openedx.learning.certificate.created.v1"
        assert fields[b"dead_letter_stream"] == stream.encode()
        assert b"event_data" in fields


def test_other_event_types_on_the_topic_are_acknowledged(
    site: Site, redis_client: Any, prefix: str
) -> None:
    new_group(redis_client, prefix)
    stream = stream_name(TOPIC, prefix)
    redis_client.xadd(stream, {b"type": b"org.openedx.learning.program.certificate.awarded.v1",
                               b"id": str(uuid.uuid1()).encode(), b"time": T1.encode(),
                               b"event_data": b"\x00"})  # fmt: skip
    totals = run_consumer(site, redis_client, prefix)
    assert totals.outcomes == {"ignored": 1} and totals.dead_lettered == 0
    assert _pending(redis_client, prefix) == 0


def test_grades_are_stored_for_the_learner_the_passing_status_named(
    site: Site, redis_client: Any, bus_url: str, prefix: str
) -> None:
    topic = "learning-course-grades"
    new_group(redis_client, prefix, topic=topic)
    produce(bus_url, prefix, [
        {"type": "org.openedx.learning.course.passing.status.updated.v1", "course_key": RUN,
         "is_passing": True, "user": {"id": 9, "username": "grace", "email": "g@example.org",
                                      "name": ""}},
        {"type": "org.openedx.learning.course.persistent_grade_summary.changed.v1",
         "course_key": RUN, "percent_grade": 0.87, "letter_grade": "B", "user": {"id": 9}},
    ], topic=topic)  # fmt: skip
    totals = run_consumer(site, redis_client, prefix, topic=topic)
    assert totals.outcomes == {"passing": 1, "graded": 1}
    with Session(site.services.engine) as session:
        learner = session.exec(select(Learner)).one()
        grade = session.exec(select(CourseGrade)).one()
        assert learner.lms_id == "9" and grade.learner_id == learner.id
        assert (grade.percent_grade, grade.letter_grade) == (0.87, "B")
    assert _credentials(site) == []  # a grade awards nothing: the certificate does


def test_a_missing_key_file_is_retried_not_dead_lettered(
    site: Site, settings: Settings, redis_client: Any, bus_url: str, prefix: str
) -> None:
    """The operator's problem, not the entry's: nothing is acknowledged until it is fixed."""
    new_group(redis_client, prefix)
    produce(bus_url, prefix, [certificate("created", course_key=RUN)])
    [key_file] = settings.keys_dir.glob("org*-ed25519-*.pem")
    aside = key_file.rename(key_file.with_suffix(".aside"))
    fresh = Site(site.org, build_services(settings, site.services.engine))  # no cached key
    consumer = make_consumer(fresh, redis_client, prefix)
    with pytest.raises(RetryLater, match="missing"):
        consumer.step()
    assert _pending(redis_client, prefix) == 1 and consumer.totals.dead_lettered == 0
    assert not redis_client.exists(dead_letter_stream(stream_name(TOPIC, prefix)))
    aside.rename(key_file)
    assert run_consumer(site, redis_client, prefix).outcomes == {"awarded": 1}
    assert len(_credentials(site)) == 1


def test_a_missing_key_file_at_the_batch_end_re_sign_is_retried(
    site: Site, settings: Settings, redis_client: Any, bus_url: str, prefix: str
) -> None:
    """A batch of revocations signs nothing until its status list is re-signed at its end:
    a key file missing there is the operator's problem too, retried, never a crash."""
    new_group(redis_client, prefix)
    produce(bus_url, prefix, [certificate("created", course_key=RUN, time=T1)])
    assert run_consumer(site, redis_client, prefix).outcomes == {"awarded": 1}
    produce(bus_url, prefix, [certificate("revoked", course_key=RUN, time=T2)])
    [key_file] = settings.keys_dir.glob("org*-ed25519-*.pem")
    aside = key_file.rename(key_file.with_suffix(".aside"))
    fresh = Site(site.org, build_services(settings, site.services.engine))  # no cached key
    consumer = make_consumer(fresh, redis_client, prefix)
    with pytest.raises(RetryLater, match="missing"):
        consumer.step()
    assert _pending(redis_client, prefix) == 1 and consumer.totals.dead_lettered == 0
    assert [c.status for c in _credentials(site)] == [CredentialStatus.ACTIVE]
    aside.rename(key_file)
    assert run_consumer(site, redis_client, prefix).outcomes == {"revoked": 1}
    assert [c.status for c in _credentials(site)] == [CredentialStatus.REVOKED]


def test_each_batch_gives_the_planner_statistics_a_chance_to_refresh(
    site: Site, redis_client: Any, bus_url: str, prefix: str
) -> None:
    """A wave grows the tables from nothing: the consumer keeps the planner's row counts
    fresh (app/db_statistics.py), looked at after each batch it applied."""
    import threading

    new_group(redis_client, prefix)
    produce(bus_url, prefix, [certificate("created", course_key=RUN)])
    consumer = make_consumer(site, redis_client, prefix)
    assert consumer.statistics.engine is site.services.engine
    calls: list[int] = []
    consumer.statistics.refresh_if_stale = lambda: calls.append(1) or []  # type: ignore[method-assign]
    consumer.run(threading.Event(), until_idle=True)
    assert calls == [1]  # one batch applied, one look
