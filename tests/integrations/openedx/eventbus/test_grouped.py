"""The grouped path of a batch (app/integrations/openedx/certificate_batch.py) decides exactly
as the same entries one at a time: one stream of awards, repeats, revocations in both orders,
re-awards, renames, grades and poison, consumed into two organizations, one each way."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from app.core.status.bitstring import Bitstring
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
    CourseAward,
    IssuedCredential,
    Learner,
    OpenEdxCertificate,
    OpenEdxUser,
    StatusList,
)
from app.models.enums import CredentialStatus
from tests.factories import Factory
from tests.integrations.openedx.conftest import Site, connect_org
from tests.integrations.openedx.eventbus.conftest import TOPIC, make_consumer, new_group

T0 = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


class _Counter:
    """Counts the SQL statements an engine sends (a ``before_cursor_execute`` listener)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


def _user(uid: int, username: str) -> dict[str, Any]:
    return {"id": uid, "is_active": True,
            "pii": {"username": username, "email": f"{username}@example.org",
                    "name": username.title()}}  # fmt: skip


def _course(code: str, run: str) -> dict[str, Any]:
    return {"course_key": f"course-v1:{code}+{run}+2026", "display_name": f"Course {run}",
            "start": None, "end": None}  # fmt: skip


def _cert(code: str, run: str, uid: int, username: str, status: str) -> dict[str, Any]:
    return {"certificate": {"user": _user(uid, username), "course": _course(code, run),
                            "mode": "verified", "grade": "0.9", "download_url": "", "name": "",
                            "current_status": status, "previous_status": ""}}  # fmt: skip


def _script(code: str) -> list[tuple[str, dict[str, Any] | bytes, int, str | None]]:
    """(type, record or raw bytes, minutes after T0, a shared id label) in stream order."""
    created, revoked, changed = CERTIFICATE_CREATED, CERTIFICATE_REVOKED, CERTIFICATE_CHANGED
    c = code
    return [
        *[(created, _cert(c, "A", n, f"u{n}", "downloadable"), n, None) for n in range(1, 7)],
        (created, _cert(c, "A", 1, "u1", "downloadable"), 10, None),  # the LMS again
        (created, _cert(c, "A", 1, "u1", "downloadable"), 10, "dup"),
        (created, _cert(c, "A", 1, "u1", "downloadable"), 10, "dup"),  # one id twice
        (revoked, _cert(c, "A", 2, "u2", "notpassing"), 11, None),
        (created, _cert(c, "A", 2, "u2", "downloadable"), 12, None),  # re-award
        (revoked, _cert(c, "A", 3, "u3", "notpassing"), 0, None),  # older than its award
        (revoked, _cert(c, "A", 7, "u7", "notpassing"), 20, None),  # before any award
        (created, _cert(c, "A", 7, "u7", "downloadable"), 15, None),  # the overtaken award
        (created, _cert(c, "B", 8, "u8", "downloadable"), 3, None),
        (created, _cert(c, "A", 8, "u8", "downloadable"), 4, None),  # a second run
        (PASSING_STATUS_UPDATED, {"course_passing_status": {
            "is_passing": True, "course": _course(c, "A"), "user": _user(9, "u9")}}, 1, None),
        (created, _cert(c, "A", 9, "u9", "downloadable"), 2, None),
        (GRADE_SUMMARY_CHANGED, {"grade": {
            "user_id": 10, "course": _course(c, "A"), "course_edited_timestamp": T0.isoformat(),
            "course_version": "v1", "grading_policy_hash": "h", "percent_grade": 0.91,
            "letter_grade": "A", "passed_timestamp": T0.isoformat()}}, 1, None),
        (created, _cert(c, "A", 10, "u10", "downloadable"), 2, None),
        (changed, _cert(c, "A", 11, "u11", "generating"), 3, None),
        (changed, _cert(c, "B", 11, "u11", "audit_passing"), 3, None),
        (changed, _cert(c, "B", 6, "u6", "unavailable"), 30, None),  # revokes nothing there
        (created, _cert(c, "A", 12, "u12", "downloadable"), 3, None),
        (created, _cert(c, "B", 12, "u12-renamed", "downloadable"), 4, None),
        (created, _cert("Nope", "A", 13, "u13", "downloadable"), 3, None),  # not connected
        (created, b"\x00\x01not avro", 3, None),
        (revoked, _cert(c, "A", 5, "u5", "notpassing"), 40, None),
        (created, _cert(c, "A", 14, "u14", "downloadable"), 5, None),
    ]  # fmt: skip


def _publish(redis_client: Any, codec: AvroCodec, prefix: str, code: str) -> None:
    ids: dict[str, str] = {}
    for event_type, record, minutes, label in _script(code):
        event_id = ids.setdefault(label, str(uuid.uuid1())) if label else str(uuid.uuid1())
        data = record if isinstance(record, bytes) else codec.encode(event_type, record)
        entry = BusEntry(entry_id="", type=event_type, id=event_id, source="openedx/lms/web",
                         time=T0 + timedelta(minutes=minutes), minorversion=0,
                         sourcehost="lms", sourcelib="10.5.0", event_data=data)  # fmt: skip
        redis_client.xadd(stream_name(TOPIC, prefix), entry.to_fields())


def _state(site: Site, org_id: int, code: str) -> dict[str, Any]:
    """What the stream left in one organization, free of ids, uuids, codes and clocks."""

    def plain(text: str | None) -> str | None:
        return None if text is None else text.replace(f"{code}+", "X+")

    with Session(site.services.engine) as session:
        names = dict(session.exec(select(Learner.id, Learner.lms_id).where(
            Learner.org_id == org_id)).all())  # fmt: skip
        words = session.exec(select(OpenEdxCertificate).where(
            OpenEdxCertificate.org_id == org_id)).all()  # fmt: skip
        statuses = dict(session.exec(select(IssuedCredential.uuid, IssuedCredential.status).where(
            IssuedCredential.org_id == org_id)).all())  # fmt: skip
        awards = session.exec(select(CourseAward).where(CourseAward.org_id == org_id)).all()
        audit = session.exec(select(AuditEvent.action, AuditEvent.learner_lms_id,
                                    AuditEvent.course_run).where(
            AuditEvent.org_id == org_id)).all()  # fmt: skip
        learners = session.exec(select(Learner.lms_id, Learner.name, Learner.email).where(
            Learner.org_id == org_id)).all()  # fmt: skip
        users = session.exec(select(OpenEdxUser.username, OpenEdxUser.lms_user_id).where(
            OpenEdxUser.org_id == org_id)).all()  # fmt: skip
    return {
        "learners": sorted(learners),
        "users": sorted(users),
        "words": sorted(
            (
                names[w.learner_id],
                plain(w.credential_key),
                w.status,
                w.lms_time.isoformat()[:19],
                w.mode,
                statuses.get(w.credential_uuid or ""),
            )
            for w in words
        ),
        "awards": sorted(
            (names[a.learner_id], plain(a.course_key), a.mode, statuses[a.credential_uuid])
            for a in awards
        ),
        "credentials": sorted(statuses.values()),
        "audit": sorted((a, lms, plain(run)) for a, lms, run in audit),
    }


@pytest.mark.parametrize("batch_size", [100, 7])
def test_grouped_batches_decide_as_one_entry_at_a_time(
    site: Site, factory: Factory, redis_client: Any, codec: AvroCodec, batch_size: int
) -> None:
    twin = Site(factory.org("beta"), site.services)
    connect_org(site.services, twin.org, ("Beta",), jwt_issuer="https://beta.example/oauth2")
    grouped_prefix, alone_prefix = f"g{uuid.uuid4().hex[:8]}", f"a{uuid.uuid4().hex[:8]}"
    runs: dict[str, Any] = {}
    for prefix, code, grouped in ((grouped_prefix, "Acme", True), (alone_prefix, "Beta", False)):
        new_group(redis_client, prefix)
        _publish(redis_client, codec, prefix, code)
        statements = _Counter()
        engine = site.services.engine
        event.listen(engine, "before_cursor_execute", statements)
        try:
            consumer = make_consumer(
                site, redis_client, prefix, batch_size=batch_size, grouped=grouped
            )
            totals = consumer.run(threading.Event(), until_idle=True)
        finally:
            event.remove(engine, "before_cursor_execute", statements)
        runs[code] = (totals, statements.count)
        redis_client.delete(stream_name(TOPIC, prefix), stream_name(TOPIC, prefix) + "-dead-letter")
    (grouped_totals, grouped_statements), (alone_totals, alone_statements) = runs.values()
    assert grouped_totals.outcomes == alone_totals.outcomes
    assert grouped_totals.dead_lettered == alone_totals.dead_lettered == 1
    assert _state(site, site.org.id, "Acme") == _state(site, twin.org.id, "Beta")
    expected = {"awarded", "already_awarded", "revoked", "stale", "duplicate", "unconnected",
                "passing", "graded", "unchanged"}  # fmt: skip
    assert expected <= set(grouped_totals.outcomes)
    assert grouped_statements < alone_statements * (0.5 if batch_size == 100 else 0.7)
    _assert_published_bits_match(site)
    with Session(site.services.engine) as session:
        outcomes = session.exec(select(BusEvent.outcome).where(
            col(BusEvent.stream).contains(grouped_prefix))).all()  # fmt: skip
    assert "applying" not in outcomes


def _assert_published_bits_match(site: Site) -> None:
    """Every credential's bit in its published (signed, stored) list says its status: the
    batch's deferred re-signing left no list behind its bits."""
    lists = site.services.status_lists
    with Session(site.services.engine) as session:
        published: dict[str, Bitstring] = {}
        for record in session.exec(select(IssuedCredential)):
            entry = json.loads(record.document)["credentialStatus"]
            public_id = entry["statusListCredential"].rsplit("/", 1)[1]
            if public_id not in published:
                stored = session.exec(
                    select(StatusList).where(StatusList.public_id == public_id)
                ).one()
                assert stored.signed_version == stored.version
                found = lists.published(session, public_id)
                assert found is not None
                subject = json.loads(found[0])["credentialSubject"]
                published[public_id] = Bitstring.decode(subject["encodedList"])
            bit = published[public_id].get(int(entry["statusListIndex"]))
            assert bit == (record.status == CredentialStatus.REVOKED), record.uuid
