"""Streams the reference comparison (test_grouped.py) misses: the grouped path of a batch must
decide exactly as the same entries one at a time, and a round undone must not leave the
session believing what it undid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.awards.schemas import LearnerRef
from app.catalog.schemas import ProgramCreate
from app.config import Settings
from app.db import session_scope, utcnow
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.envelope import BusEntry, stream_name
from app.integrations.openedx.eventbus.payloads import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    GRADE_SUMMARY_CHANGED,
    PASSING_STATUS_UPDATED,
)
from app.models import (
    AuditEvent,
    BusEvent,
    Course,
    CourseAward,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxUser,
    OutboxMessage,
)
from app.models.enums import CredentialStatus, MailKind
from app.notifications.service import Notifier
from tests.conftest import BASE_URL
from tests.factories import Factory
from tests.integrations.openedx.conftest import Site, connect_org
from tests.integrations.openedx.eventbus.conftest import TOPIC, make_consumer, new_group
from tests.integrations.openedx.eventbus.test_grouped import (
    T0,
    _assert_published_bits_match,
    _cert,
    _course,
    _user,
)

Script = list[tuple[str, dict[str, Any], int]]


def _publish(redis_client: Any, codec: AvroCodec, prefix: str, script: Script) -> None:
    for event_type, record, minutes in script:
        entry = BusEntry(
            entry_id="",
            type=event_type,
            id=str(uuid.uuid1()),
            source="openedx/lms/web",
            time=T0 + timedelta(minutes=minutes),
            minorversion=0,
            sourcehost="lms",
            sourcelib="10.5.0",
            event_data=codec.encode(event_type, record),
        )
        redis_client.xadd(stream_name(TOPIC, prefix), entry.to_fields())


def _consume(site: Site, redis_client: Any, codec: AvroCodec, script: Script, grouped: bool) -> Any:
    prefix = f"r{uuid.uuid4().hex[:8]}"
    new_group(redis_client, prefix)
    _publish(redis_client, codec, prefix, script)
    try:
        consumer = make_consumer(site, redis_client, prefix, batch_size=100, grouped=grouped)
        return consumer.run(threading.Event(), until_idle=True)
    finally:
        redis_client.delete(stream_name(TOPIC, prefix), stream_name(TOPIC, prefix) + "-dead-letter")


def _state(site: Site, org_id: int, code: str) -> dict[str, Any]:
    """test_grouped's state, with program rows: what the stream left in one organization,
    free of ids, uuids, codes, event ids and clocks."""

    def plain(value: str | None) -> str:
        return "" if value is None else value.replace(code, "X")

    with Session(site.services.engine) as session:
        names = dict(
            session.exec(select(Learner.id, Learner.lms_id).where(Learner.org_id == org_id)).all()
        )
        words = session.exec(
            select(OpenEdxCertificate).where(OpenEdxCertificate.org_id == org_id)
        ).all()
        records = {
            r.uuid: r
            for r in session.exec(select(IssuedCredential).where(IssuedCredential.org_id == org_id))
        }
        awards = session.exec(select(CourseAward).where(CourseAward.org_id == org_id)).all()
        audit = session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id)).all()
        learners = session.exec(
            select(Learner.lms_id, Learner.name, Learner.email).where(Learner.org_id == org_id)
        ).all()
        users = session.exec(
            select(OpenEdxUser.username, OpenEdxUser.lms_user_id).where(
                OpenEdxUser.org_id == org_id
            )
        ).all()
        outbox = session.exec(
            select(OutboxMessage.kind, OutboxMessage.to_address).where(
                OutboxMessage.org_id == org_id
            )
        ).all()
        courses = session.exec(select(Course.key, Course.title).where(
            Course.org_id == org_id)).all()  # fmt: skip
    status = {u: r.status for u, r in records.items()}
    return {
        "learners": sorted(learners),
        "users": sorted(users),
        "words": sorted(
            (
                names[w.learner_id],
                plain(w.credential_key),
                w.status,
                w.lms_time.isoformat()[:19],
                w.mode or "",
                status.get(w.credential_uuid or "", ""),
            )
            for w in words
        ),
        "awards": sorted(
            (names[a.learner_id], plain(a.course_key), a.mode or "", status[a.credential_uuid])
            for a in awards
        ),
        "credentials": sorted(
            (r.kind, r.status, plain(r.status_reason).split(": its credential")[0])
            for r in records.values()
        ),
        "audit": sorted(
            (
                a.action,
                a.learner_lms_id or "",
                plain(a.course_run),
                a.program_slug or "",
                plain(a.reason).split(", event")[0].split(": its credential")[0],
            )
            for a in audit
        ),
        "outbox": sorted(outbox),
        "courses": sorted((plain(k), t) for k, t in courses),
    }


def test_a_revocation_and_an_award_of_one_learner_in_two_runs_evaluate_programs_in_order(
    site: Site, factory: Factory, redis_client: Any, codec: AvroCodec
) -> None:
    """The learner holds A; the LMS then awards B (the program A+B is met: its credential
    is issued) and revokes A (the program falls with it). One at a time leaves a revoked
    program credential; the grouped round must too, not skip the program altogether."""
    twin = Site(factory.org("beta"), site.services)
    connect_org(site.services, twin.org, ("Beta",), jwt_issuer="https://beta.example/oauth2")
    states = []
    for target, code, grouped in ((site, "Acme", True), (twin, "Beta", False)):
        with session_scope(site.services.engine) as session:
            pair = ProgramCreate(
                slug="pair", title="Pair", required_courses=[f"{code}+A", f"{code}+B"]
            )
            site.services.catalog.create_program(session, target.org, pair)
        first: Script = [(CERTIFICATE_CREATED, _cert(code, "A", 1, "u1", "downloadable"), 1)]
        _consume(site, redis_client, codec, first, grouped)
        wave: Script = [
            (CERTIFICATE_CREATED, _cert(code, "B", 1, "u1", "downloadable"), 5),
            (CERTIFICATE_REVOKED, _cert(code, "A", 1, "u1", "notpassing"), 6),
        ]
        _consume(site, redis_client, codec, wave, grouped)
        states.append(_state(site, target.org.id, code))
    grouped_state, alone_state = states
    assert [c for c in alone_state["credentials"] if c[0] == "program"] == [
        ("program", "revoked", 'course "X+A" (course-v1:X+A+2026) no longer counts')
    ]
    assert grouped_state == alone_state
    _assert_published_bits_match(site)


def test_a_round_tried_again_after_a_lost_unique_constraint_still_revokes(
    site: Site, factory: Factory, redis_client: Any, codec: AvroCodec
) -> None:
    """A batch names two organizations: a revocation in the first, a new learner in the
    second. A parallel consumer creates that learner between the round's read and its insert
    (the unique constraint is lost: the round is undone and tried again, as designed). The
    undone round had revoked the credential: the second try must revoke it again, not read
    the undone status from the session's identity map and skip it."""
    if site.services.engine.dialect.name == "sqlite":
        pytest.skip("a parallel writer needs PostgreSQL's row-level concurrency")
    gamma = factory.org("gamma")
    connect_org(site.services, gamma, ("Gamma",), jwt_issuer="https://gamma.example/oauth2")
    first: Script = [(CERTIFICATE_CREATED, _cert("Acme", "A", 1, "u1", "downloadable"), 1)]
    _consume(site, redis_client, codec, first, True)
    engine = site.services.engine
    raced = threading.Event()

    def parallel_consumer(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if raced.is_set() or not statement.lstrip().upper().startswith("INSERT INTO LEARNERS"):
            return
        raced.set()
        with engine.begin() as other:  # another consumer's transaction, committed first
            other.execute(
                text(
                    "INSERT INTO learners (org_id, lms_id, name, email, holder_did, "
                    "info_timestamp, created_at, updated_at) VALUES (:org, '2', 'U2', NULL, "
                    "NULL, :ts, :now, :now)"
                ),
                {"org": gamma.id, "ts": T0, "now": utcnow()},
            )

    wave: Script = [
        (CERTIFICATE_REVOKED, _cert("Acme", "A", 1, "u1", "notpassing"), 5),
        (CERTIFICATE_CREATED, _cert("Gamma", "A", 2, "u2", "downloadable"), 5),
    ]
    event.listen(engine, "before_cursor_execute", parallel_consumer)
    try:
        totals = _consume(site, redis_client, codec, wave, True)
    finally:
        event.remove(engine, "before_cursor_execute", parallel_consumer)
    assert raced.is_set()
    assert totals.outcomes["revoked"] == 1
    with Session(engine) as session:
        word = session.exec(
            select(OpenEdxCertificate).where(OpenEdxCertificate.org_id == site.org.id)
        ).one()
        assert word.status == "revoked"
        statuses = session.exec(
            select(IssuedCredential.status).where(IssuedCredential.org_id == site.org.id)
        ).all()
        revocations = session.exec(
            select(AuditEvent).where(
                AuditEvent.org_id == site.org.id, AuditEvent.action == "revoked"
            )
        ).all()
    assert statuses == [CredentialStatus.REVOKED]  # the LMS revoked it: it must not verify
    assert len(revocations) == 1
    _assert_published_bits_match(site)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    """Mail on (LAUREL_SMTP_URL): awards and revocations write the outbox in their
    transaction. Nothing is sent here: no worker runs."""
    return Settings(
        base_url=BASE_URL,
        database_url=str(engine.url.render_as_string(False)),
        keys_dir=tmp_path / "keys",
        fetch_allowed_hosts=["127.0.0.1"],
        smtp_url="smtp://127.0.0.1:2525",
    )


def _passing(code: str, run: str, uid: int, username: str) -> dict[str, Any]:
    return {"course_passing_status": {"is_passing": True, "course": _course(code, run),
                                      "user": _user(uid, username)}}  # fmt: skip


def _grade(code: str, run: str, uid: int, title: str) -> dict[str, Any]:
    course = {**_course(code, run), "display_name": title}
    return {"grade": {"user_id": uid, "course": course, "course_edited_timestamp": T0.isoformat(),
                      "course_version": "v1", "grading_policy_hash": "h", "percent_grade": 0.9,
                      "letter_grade": "A", "passed_timestamp": T0.isoformat()}}  # fmt: skip


_CHANGED_STATUSES = ["downloadable", "generating", "downloading", "regenerating", "unavailable",
                     "notpassing", "unverified", "audit_notpassing", "honor_notpassing",
                     "audit_passing", "error", "deleted", "restricted", "deleting", ""]  # fmt: skip


def _mixed(code: str) -> Script:
    """Interleavings test_grouped.py does not replay (stream order; minutes after T0)."""
    c, created, revoked = code, CERTIFICATE_CREATED, CERTIFICATE_REVOKED
    script: Script = [
        # award, revoke, award again of one certificate in one batch
        (created, _cert(c, "A", 1, "u1", "downloadable"), 1),
        (revoked, _cert(c, "A", 1, "u1", "notpassing"), 2),
        (created, _cert(c, "A", 1, "u1", "downloadable"), 3),
        # a revocation at the award's very instant (it wins), then the award again at it
        (created, _cert(c, "A", 2, "u2", "downloadable"), 4),
        (revoked, _cert(c, "A", 2, "u2", "notpassing"), 4),
        (created, _cert(c, "A", 2, "u2", "downloadable"), 4),
        # one learner in the two runs of the program, then a revocation of one of them
        (created, _cert(c, "A", 3, "u3", "downloadable"), 5),
        (created, _cert(c, "B", 3, "u3", "downloadable"), 5),
        (revoked, _cert(c, "B", 3, "u3", "unverified"), 6),
        # a rename in the same batch, in the same run and in another
        (created, _cert(c, "A", 4, "u4", "downloadable"), 5),
        (revoked, _cert(c, "A", 4, "u4-new", "notpassing"), 7),
        (created, _cert(c, "B", 4, "u4-newer", "downloadable"), 8),
        # a username that changes hands, across runs, after a passing status names it
        (PASSING_STATUS_UPDATED, _passing(c, "A", 5, "bob"), 1),
        (created, _cert(c, "B", 6, "bob", "downloadable"), 9),
        # learners Laurel's own API made (lms_id = the LMS user id)
        (created, _cert(c, "A", 20, "u20", "downloadable"), 2),
        (revoked, _cert(c, "B", 21, "u21", "notpassing"), 2),
        # a grade, then the certificate, of another learner in a new run
        (GRADE_SUMMARY_CHANGED, _grade(c, "C", 30, "Course C"), 1),
        (created, _cert(c, "C", 30, "u30", "downloadable"), 2),
        (created, _cert(c, "C", 31, "u31", "downloadable"), 2),
        # unconnected and malformed course keys
        (created, _cert("Nope", "A", 40, "u40", "downloadable"), 2),
        (created, {**_cert(c, "A", 41, "u41", "downloadable"),
                   "certificate": {**_cert(c, "A", 41, "u41", "downloadable")["certificate"],
                                   "course": {**_course(c, "A"), "course_key": "not-a-key"}}}, 2),
    ]  # fmt: skip
    for n, status in enumerate(_CHANGED_STATUSES):  # certificate.changed with every status
        uid = 50 + n
        script.append((created, _cert(c, "A", uid, f"u{uid}", "downloadable"), 1))
        script.append((CERTIFICATE_CHANGED, _cert(c, "A", uid, f"u{uid}", status), 2))
        script.append((CERTIFICATE_CHANGED, _cert(c, "B", uid, f"u{uid}", status), 2))
    return script


@pytest.mark.parametrize("batch_size", [100, 9])
def test_mixed_interleavings_decide_as_one_entry_at_a_time(
    site: Site, factory: Factory, redis_client: Any, codec: AvroCodec, batch_size: int
) -> None:
    twin = Site(factory.org("beta"), site.services)
    connect_org(site.services, twin.org, ("Beta",), jwt_issuer="https://beta.example/oauth2")
    states, totals = [], []
    for target, code, grouped in ((site, "Acme", True), (twin, "Beta", False)):
        with session_scope(site.services.engine) as session:
            pair = ProgramCreate(
                slug="pair", title="Pair", required_courses=[f"{code}+A", f"{code}+B"]
            )
            site.services.catalog.create_program(session, target.org, pair)
            Notifier.set_kind(session, target.org, MailKind.REVOKED, True)
            for lms_id in ("20", "21"):  # as POST /api/v1/... would make them
                site.services.grading.upsert_learner(
                    session, target.org,
                    LearnerRef(id=lms_id, name="Api Made", email=f"api{lms_id}@example.org"), T0,
                )  # fmt: skip
        prefix = f"m{uuid.uuid4().hex[:8]}"
        new_group(redis_client, prefix)
        _publish(redis_client, codec, prefix, _mixed(code))
        consumer = make_consumer(site, redis_client, prefix, batch_size=batch_size, grouped=grouped)
        totals.append(consumer.run(threading.Event(), until_idle=True))
        redis_client.delete(stream_name(TOPIC, prefix), stream_name(TOPIC, prefix) + "-dead-letter")
        states.append(_state(site, target.org.id, code))
    assert totals[0].outcomes == totals[1].outcomes
    assert totals[0].dead_lettered == totals[1].dead_lettered
    assert {kind for kind, _ in states[1]["outbox"]} == {"earned", "program", "revoked"}
    for key, grouped_rows in states[0].items():
        alone_rows = states[1][key]
        only_grouped = [r for r in grouped_rows if r not in alone_rows]
        only_alone = [r for r in alone_rows if r not in grouped_rows]
        assert grouped_rows == alone_rows, (key, only_grouped, only_alone)
    _assert_published_bits_match(site)


@pytest.mark.xfail(
    strict=True,
    reason="certificate_batch.course_runs titles a new run from the batch's first award "
    "before the one-at-a-time entries (a grade, a passing status) that come first run",
)
def test_a_run_is_titled_by_the_first_entry_that_names_it(
    site: Site, factory: Factory, redis_client: Any, codec: AvroCodec
) -> None:
    """One at a time, the first entry naming a new run titles it (here a grade, whose course
    was renamed since); the grouped path creates the run first, from the award's title."""
    twin = Site(factory.org("beta"), site.services)
    connect_org(site.services, twin.org, ("Beta",), jwt_issuer="https://beta.example/oauth2")
    titles = []
    for target, code, grouped in ((site, "Acme", True), (twin, "Beta", False)):
        script: Script = [
            (GRADE_SUMMARY_CHANGED, _grade(code, "C", 30, "Title from the grade"), 1),
            (CERTIFICATE_CREATED, _cert(code, "C", 31, "u31", "downloadable"), 2),
        ]
        _consume(site, redis_client, codec, script, grouped)
        titles.append(_state(site, target.org.id, code)["courses"])
    assert titles[0] == titles[1]


Newest = dict[tuple[int, str], tuple[int, str]]


def _overlapping(uids: range) -> tuple[Script, Newest]:
    """Awards, revocations and re-awards of many learners in two runs (stream order), and
    the newest word on each certificate."""
    script: Script = []
    newest: Newest = {}
    for uid in uids:
        for run in ("A", "B") if uid % 3 else ("A",):
            steps = [("created", 1), ("revoked", 2), ("created", 3)][: 1 + uid % 3]
            for kind, minute in steps:
                event_type = CERTIFICATE_CREATED if kind == "created" else CERTIFICATE_REVOKED
                status = "downloadable" if kind == "created" else "notpassing"
                script.append((event_type, _cert("Acme", run, uid, f"u{uid}", status), minute))
                newest[(uid, run)] = (minute, "awarded" if kind == "created" else "revoked")
    return script, newest


def _assert_invariants(site: Site, prefix: str, script: Script, newest: Newest) -> None:
    engine = site.services.engine
    with Session(engine) as session:
        names = dict(session.exec(select(Learner.id, Learner.lms_id)).all())
        words = session.exec(select(OpenEdxCertificate)).all()
        records = {r.uuid: r for r in session.exec(select(IssuedCredential))}
        awards = session.exec(select(CourseAward)).all()
        outcomes = session.exec(
            select(BusEvent.outcome).where(col(BusEvent.stream).contains(prefix))
        ).all()
        mails = session.exec(
            select(OutboxMessage.credential_uuid).where(OutboxMessage.kind == MailKind.EARNED)
        ).all()
    assert len(outcomes) == len(script) and "applying" not in outcomes
    # At most one award e-mail per credential (a learner first seen through a revocation,
    # which names no e-mail, may hold one without: its older award's facts do not apply).
    assert len(mails) == len(set(mails)) and set(mails) <= set(records)
    assert len(mails) >= len(records) * 0.8
    assert {(int(names[w.learner_id]), w.credential_key.split("+")[1]): w.status
            for w in words} == {k: v[1] for k, v in newest.items()}  # fmt: skip
    assert len(awards) == len({(a.learner_id, a.course_id) for a in awards})
    for award in awards:
        uid, run = int(names[award.learner_id]), award.course_key.split("+")[1]
        current = records[award.credential_uuid]
        wanted = CredentialStatus.ACTIVE if newest[(uid, run)][1] == "awarded" else "revoked"
        assert current.status == wanted, (uid, run)
    active = [r for r in records.values() if r.status == CredentialStatus.ACTIVE]
    assert len(active) == sum(1 for v in newest.values() if v[1] == "awarded")
    _assert_published_bits_match(site)


def test_parallel_consumers_keep_every_invariant(
    site: Site, redis_client: Any, codec: AvroCodec
) -> None:
    """Three consumers (threads, each its own sessions) share one stream in small batches:
    one learner's award lands in one consumer's batch and its revocation (or re-award) in
    another's. Whatever the interleaving: the newest word stands, a credential is active
    exactly when its newest word awards it, never two for one award, every event has an
    outcome, nothing is dead-lettered, and every published bit says its credential's status."""
    if site.services.engine.dialect.name == "sqlite":
        pytest.skip("parallel writers need PostgreSQL")
    prefix = f"p{uuid.uuid4().hex[:8]}"
    new_group(redis_client, prefix)
    script, newest = _overlapping(range(1, 61))
    _publish(redis_client, codec, prefix, script)
    consumers = [
        make_consumer(site, redis_client, prefix, consumer=f"c{n}", batch_size=7) for n in range(3)
    ]
    errors: list[BaseException] = []

    def consume(consumer: Any) -> None:
        try:
            consumer.run(threading.Event(), until_idle=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=consume, args=(c,)) for c in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    print("parallel totals:", [c.totals.line() for c in consumers])
    assert sum(c.totals.dead_lettered for c in consumers) == 0
    _assert_invariants(site, prefix, script, newest)


def test_a_consumer_killed_mid_batch_loses_nothing(
    site: Site, redis_client: Any, codec: AvroCodec, bus_url: str, settings: Settings
) -> None:
    """Three `laurel consume` processes on one stream; one is killed (SIGKILL) while it has
    a batch under way. The others take its entries over: the same invariants hold."""
    if site.services.engine.dialect.name == "sqlite":
        pytest.skip("parallel writers need PostgreSQL")
    prefix = f"k{uuid.uuid4().hex[:8]}"
    new_group(redis_client, prefix)
    script, newest = _overlapping(range(1, 241))
    _publish(redis_client, codec, prefix, script)
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": settings.database_url,
        "LAUREL_KEYS_DIR": str(settings.keys_dir),
        "LAUREL_BASE_URL": BASE_URL,
        "LAUREL_SMTP_URL": settings.smtp_url or "",
        "LAUREL_EVENT_BUS_REDIS_URL": bus_url,
        "LAUREL_EVENT_BUS_BATCH_SIZE": "40",
        "LAUREL_EVENT_BUS_CLAIM_IDLE_SECONDS": "1",
        "LAUREL_EVENT_BUS_PROGRESS_SECONDS": "0",
    }
    laurel = str(Path(sys.executable).parent / "laurel")

    def start(name: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [laurel, "consume", "--topic", TOPIC, "--group", "laurel", "--consumer", name,
             "--topic-prefix", prefix, "--until-idle"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    engine = site.services.engine
    victim = start("victim")
    others = [start("c1"), start("c2")]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with Session(engine) as session:
            done = session.exec(
                select(func.count()).where(col(BusEvent.stream).contains(prefix))
            ).one()
        under_way = redis_client.xpending_range(
            stream_name(TOPIC, prefix), "laurel", min="-", max="+", count=1, consumername="victim"
        )
        if done >= 80 and under_way:  # killed with a batch read and not acknowledged
            break
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    logs = b""
    for process in others:
        _, err = process.communicate(timeout=400)
        assert process.returncode == 0, err.decode()[-2000:]
        logs += err
    assert b"orphaned entries" in logs  # the victim died with a batch pending
    pending = redis_client.xpending(stream_name(TOPIC, prefix), "laurel")["pending"]
    assert pending == 0
    _assert_invariants(site, prefix, script, newest)
    redis_client.delete(stream_name(TOPIC, prefix), stream_name(TOPIC, prefix) + "-dead-letter")


@pytest.mark.parametrize("grouped", [True, False])
def test_a_learner_first_seen_through_a_revocation_is_named_by_an_older_award(
    site: Site, redis_client: Any, codec: AvroCodec, grouped: bool
) -> None:
    script: Script = [
        (CERTIFICATE_REVOKED, _cert("Acme", "A", 7, "u7", "notpassing"), 2),
        (CERTIFICATE_CREATED, _cert("Acme", "B", 7, "u7", "downloadable"), 1),
    ]
    _consume(site, redis_client, codec, script, grouped)
    with Session(site.services.engine) as session:
        learner = session.exec(select(Learner).where(Learner.lms_id == "7")).one()
        mails = session.exec(select(OutboxMessage.kind)).all()
    assert (learner.name, learner.email) == ("U7", "u7@example.org")
    assert mails == [MailKind.EARNED]
