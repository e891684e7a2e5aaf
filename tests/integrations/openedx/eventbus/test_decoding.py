"""Entries as the real Open edX producer writes them decode against our schema files."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from app.integrations.openedx.eventbus.avro import AvroCodec, UndecodableEvent
from app.integrations.openedx.eventbus.envelope import (
    HEADER_FIELDS,
    BusEntry,
    MalformedEntry,
    stream_name,
)
from app.integrations.openedx.eventbus.payloads import (
    CertificateData,
    CoursePassingStatusData,
    PersistentCourseGradeData,
)
from tests.integrations.openedx.eventbus.conftest import ROOT, TOPIC, certificate, produce

pytestmark = pytest.mark.slow  # starts the Open edX producer (Django) in a subprocess


def test_schema_files_are_what_openedx_events_generates(codec: AvroCodec) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integrations.openedx.eventbus.lms_producer", "schemas"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    generated = json.loads(done.stdout)
    assert set(generated) == set(codec.event_types)
    for event_type, schema in generated.items():
        ours = json.loads((ROOT / "schemas" / "openedx-events" / f"{event_type}.avsc").read_text())
        assert ours.pop("laurel_source")["package"] == "openedx-events"
        assert ours == schema, event_type  # same fields, same order


def _entries(redis_client: Any, stream: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return list(redis_client.xrange(stream))


def test_certificate_entry_as_the_lms_writes_it(
    redis_client: Any, bus_url: str, prefix: str, codec: AvroCodec
) -> None:
    ids = produce(bus_url, prefix, [certificate("created", display_name="")])
    [(entry_id, fields)] = _entries(redis_client, stream_name(TOPIC, prefix))
    # Field order and encoding exactly as edx-event-bus-redis writes them.
    assert [k.decode() for k in fields] == [*HEADER_FIELDS, "event_data"]
    entry = BusEntry.parse(entry_id, fields)
    assert entry.id == ids[0]
    assert entry.type == "org.openedx.learning.certificate.created.v1"
    assert entry.time.utcoffset() is not None
    assert fields[b"time"].decode().endswith("+00:00")
    record = codec.decode(entry.type, entry.event_data)
    cert = CertificateData.of(record)
    assert cert.user.id == 7 and cert.user.username == "ada" and cert.user.name == "Ada"
    assert cert.course.course_key == "course-v1:MITx+6.00x+2026"
    assert cert.course.display_name == "" and cert.course.start is None
    assert (cert.mode, cert.current_status) == ("verified", "downloadable")
    # Byte-compatible: our encoder writes the producer's bytes (the benchmark relies on it).
    assert codec.encode(entry.type, record) == entry.event_data
    assert entry.to_fields() == fields


def test_grade_and_passing_status_entries(
    redis_client: Any, bus_url: str, prefix: str, codec: AvroCodec
) -> None:
    events = [
        {"type": "org.openedx.learning.course.passing.status.updated.v1",
         "course_key": "course-v1:MITx+6.00x+2026", "is_passing": True,
         "user": {"id": 9, "username": "grace", "email": "g@example.org", "name": ""}},
        {"type": "org.openedx.learning.course.persistent_grade_summary.changed.v1",
         "course_key": "course-v1:MITx+6.00x+2026", "percent_grade": 0.87,
         "letter_grade": "B", "user": {"id": 9}},
    ]  # fmt: skip
    produce(bus_url, prefix, events, topic="learning-course-grades")
    [(id1, f1), (id2, f2)] = _entries(redis_client, stream_name("learning-course-grades", prefix))
    passing = BusEntry.parse(id1, f1)
    status = CoursePassingStatusData.of(codec.decode(passing.type, passing.event_data))
    assert status.is_passing and status.user.username == "grace" and status.user.name == ""
    grade_entry = BusEntry.parse(id2, f2)
    grade = PersistentCourseGradeData.of(codec.decode(grade_entry.type, grade_entry.event_data))
    assert grade.user_id == 9 and grade.percent_grade == 0.87 and grade.letter_grade == "B"
    assert grade.passed_timestamp is not None and grade.passed_timestamp.year == 2026


def test_bytes_of_another_schema_do_not_decode(codec: AvroCodec) -> None:
    created = "org.openedx.learning.certificate.created.v1"
    grade = "org.openedx.learning.course.persistent_grade_summary.changed.v1"
    record = {
        "course_passing_status": {
            "is_passing": True,
            "course": {"course_key": "course-v1:A+B+C", "display_name": "", "start": None,
                       "end": None},
            "user": {"id": 1, "is_active": True, "pii": {"username": "u", "email": "",
                                                         "name": ""}},
        }
    }  # fmt: skip
    data = codec.encode("org.openedx.learning.course.passing.status.updated.v1", record)
    for wrong in (created, grade):
        with pytest.raises(UndecodableEvent):
            codec.decode(wrong, data)
    with pytest.raises(UndecodableEvent):
        codec.decode(created, b"")
    with pytest.raises(UndecodableEvent):
        codec.decode("org.openedx.learning.unknown.v1", data)


def test_malformed_entries_say_why() -> None:
    good = {
        b"type": b"org.openedx.learning.certificate.created.v1",
        b"id": b"2bb2501e-ed0a-11f1-bce3-02fc00000001",
        b"source": b"openedx/lms/web",
        b"time": b"2026-11-30T22:05:36.375858+00:00",
        b"minorversion": b"0",
        b"sourcehost": b"lms",
        b"sourcelib": b"10.5.0",
        b"event_data": b"\x00",
    }
    assert BusEntry.parse(b"1-0", good).id == "2bb2501e-ed0a-11f1-bce3-02fc00000001"
    cases = {
        b"id": (b"not-a-uuid", "UUID"),
        b"time": (b"yesterday", "ISO 8601"),
        b"type": (b"", '"type"'),
        b"minorversion": (b"x", "minorversion"),
        b"source": (b"\xff\xfe", "UTF-8"),
    }
    for name, (value, reason) in cases.items():
        with pytest.raises(MalformedEntry, match=reason):
            BusEntry.parse(b"1-0", {**good, name: value})
    with pytest.raises(MalformedEntry, match="event_data"):
        BusEntry.parse(b"1-0", {k: v for k, v in good.items() if k != b"event_data"})
