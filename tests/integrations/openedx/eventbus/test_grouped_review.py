"""Streams the reference comparison (test_grouped.py) misses: the grouped path of a batch must
decide exactly as the same entries one at a time, and a round undone must not leave the
session believing what it undid."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from app.catalog.schemas import ProgramCreate
from app.db import session_scope, utcnow
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.envelope import BusEntry, stream_name
from app.integrations.openedx.eventbus.payloads import CERTIFICATE_CREATED, CERTIFICATE_REVOKED
from app.models import (
    AuditEvent,
    CourseAward,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxUser,
    OutboxMessage,
)
from app.models.enums import CredentialStatus
from tests.factories import Factory
from tests.integrations.openedx.conftest import Site, connect_org
from tests.integrations.openedx.eventbus.conftest import TOPIC, make_consumer, new_group
from tests.integrations.openedx.eventbus.test_grouped import (
    T0,
    _assert_published_bits_match,
    _cert,
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
