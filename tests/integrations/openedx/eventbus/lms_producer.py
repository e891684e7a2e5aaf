"""The Open edX side, for real: openedx-events + edx-event-bus-redis send our test events.

Run in a subprocess (``python -m tests.integrations.openedx.eventbus.lms_producer``): Django
settings are process-global. ``send`` reads JSON lines from stdin, one event each, and puts
them on the stream exactly as an LMS does (``RedisEventProducer.send``), printing each
event id; ``schemas`` prints the Avro schemas openedx-events generates for our signals.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime


def _configure(redis_url: str | None, prefix: str | None) -> None:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=[],
        EVENT_BUS_REDIS_CONNECTION_URL=redis_url,
        EVENT_BUS_TOPIC_PREFIX=prefix,
        EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED=False,
        SERVICE_VARIANT="lms",
    )
    django.setup()


SIGNALS = {
    "org.openedx.learning.certificate.created.v1": ("CERTIFICATE_CREATED", "certificate"),
    "org.openedx.learning.certificate.changed.v1": ("CERTIFICATE_CHANGED", "certificate"),
    "org.openedx.learning.certificate.revoked.v1": ("CERTIFICATE_REVOKED", "certificate"),
    "org.openedx.learning.course.passing.status.updated.v1": (
        "COURSE_PASSING_STATUS_UPDATED",
        "course_passing_status",
    ),
    "org.openedx.learning.course.persistent_grade_summary.changed.v1": (
        "PERSISTENT_GRADE_SUMMARY_CHANGED",
        "grade",
    ),
}


def _data(spec: dict):  # type: ignore[no-untyped-def]
    from opaque_keys.edx.keys import CourseKey
    from openedx_events.learning import data as d

    course = d.CourseData(
        course_key=CourseKey.from_string(spec["course_key"]),
        display_name=spec.get("display_name", ""),
    )
    u = spec.get("user", {})
    user = d.UserData(
        id=u.get("id", 1),
        is_active=True,
        pii=d.UserPersonalData(
            username=u.get("username", ""), email=u.get("email", ""), name=u.get("name", "")
        ),
    )
    kind = spec["type"]
    if "certificate" in kind:
        return d.CertificateData(
            user=user,
            course=course,
            mode=spec.get("mode", "verified"),
            grade=spec.get("grade", "0.9"),
            current_status=spec.get("status", "downloadable"),
            download_url="",
            name="",
            previous_status=spec.get("previous_status", ""),
        )
    if "passing.status" in kind:
        return d.CoursePassingStatusData(
            is_passing=spec.get("is_passing", True), course=course, user=user
        )
    return d.PersistentCourseGradeData(
        user_id=u.get("id", 1),
        course=course,
        course_edited_timestamp=datetime.fromisoformat("2026-11-01T10:00:00+00:00"),
        course_version="v1",
        grading_policy_hash="hash",
        percent_grade=spec.get("percent_grade", 0.9),
        letter_grade=spec.get("letter_grade", "Pass"),
        passed_timestamp=datetime.fromisoformat("2026-11-30T10:00:00+00:00"),
    )


def send(redis_url: str, prefix: str, topic: str) -> None:
    _configure(redis_url, prefix)
    from edx_event_bus_redis import create_producer
    from openedx_events.data import EventsMetadata
    from openedx_events.learning import signals

    producer = create_producer()
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        name, key = SIGNALS[spec["type"]]
        signal = getattr(signals, name)
        extra = {}
        if "time" in spec:
            extra["time"] = datetime.fromisoformat(spec["time"])
        if "id" in spec:
            extra["id"] = uuid.UUID(spec["id"])
        meta = EventsMetadata(event_type=signal.event_type, minorversion=0, **extra)
        producer.send(
            signal=signal,
            topic=topic,
            event_key_field=f"{key}.course.course_key",
            event_data={key: _data(spec)},
            event_metadata=meta,
        )
        print(meta.id, flush=True)


def schemas() -> None:
    from openedx_events.event_bus.avro.schema import schema_from_signal
    from openedx_events.learning import signals

    out = {t: schema_from_signal(getattr(signals, n)) for t, (n, _) in SIGNALS.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        _configure(None, None)
        schemas()
