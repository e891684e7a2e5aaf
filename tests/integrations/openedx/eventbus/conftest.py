"""Fixtures for the event bus: the real Redis (TEST_REDIS_URL; CI sets it), a stream of our
own per test, and the real Open edX producer in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.integrations.openedx.eventbus.avro import AvroCodec

ROOT = Path(__file__).resolve().parents[4]
TOPIC = "learning-certificate-lifecycle"


def redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url and os.environ.get("CI"):
        raise RuntimeError("CI must set TEST_REDIS_URL to a real Redis")
    return url


@pytest.fixture
def bus_url() -> str:
    url = redis_url()
    if not url:
        pytest.skip("TEST_REDIS_URL not set (the event bus tests run in CI)")
    return url


@pytest.fixture
def redis_client(bus_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(bus_url)
    client.ping()
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: Any) -> Iterator[str]:
    """A topic prefix no other test (or helper) uses; its streams are deleted afterwards."""
    value = f"h12b-{uuid.uuid4().hex[:10]}"
    yield value
    keys = list(redis_client.scan_iter(match=f"{value}-*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(scope="session")
def codec() -> AvroCodec:
    return AvroCodec.from_directory(ROOT / "schemas" / "openedx-events")


def produce(url: str, prefix: str, events: list[dict[str, Any]], topic: str = TOPIC) -> list[str]:
    """Send ``events`` with openedx-events + edx-event-bus-redis, as an LMS does; their ids."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.integrations.openedx.eventbus.lms_producer", "send", url,
         prefix, topic],
        input="\n".join(json.dumps(e) for e in events),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def certificate(
    kind: str = "created",
    *,
    user_id: int = 7,
    username: str = "ada",
    course_key: str = "course-v1:MITx+6.00x+2026",
    **extra: Any,
) -> dict[str, Any]:
    spec = {
        "type": f"org.openedx.learning.certificate.{kind}.v1",
        "course_key": course_key,
        "user": {"id": user_id, "username": username, "email": f"{username}@example.org",
                 "name": username.title()},
    }  # fmt: skip
    spec.update(extra)
    return spec


def make_consumer(
    site: Any,
    redis_client: Any,
    prefix: str,
    *,
    group: str = "laurel",
    consumer: str = "c1",
    topic: str = TOPIC,
    batch_size: int = 100,
    claim_idle_ms: int = 60_000,
    commit_every: int = 0,
    grouped: bool = True,
) -> Any:
    """One in-process consumer with the real dispatcher and services."""
    from app.integrations.openedx.eventbus.consumer import ConsumerPolicy, StreamConsumer
    from app.integrations.openedx.eventbus.dispatch import Dispatcher
    from app.integrations.openedx.eventbus.envelope import stream_name

    stream = stream_name(topic, prefix)
    codec = AvroCodec.from_directory(ROOT / "schemas" / "openedx-events")
    return StreamConsumer(
        redis_client,
        site.services.engine,
        Dispatcher(codec, site.services.openedx, stream, grouped=grouped),
        stream=stream,
        group=group,
        consumer=consumer,
        policy=ConsumerPolicy(
            batch_size=batch_size,
            commit_every=commit_every,
            block_ms=50,
            claim_idle_ms=claim_idle_ms,
            claim_every_seconds=0.05,
            progress_every_seconds=0,
        ),
    )


def run_consumer(site: Any, redis_client: Any, prefix: str, **options: Any) -> Any:
    """``make_consumer`` run until the group is drained; returns its totals."""
    import threading

    runner = make_consumer(site, redis_client, prefix, **options)
    return runner.run(threading.Event(), until_idle=True)


def new_group(redis_client: Any, prefix: str, group: str = "laurel", topic: str = TOPIC) -> None:
    """Create the group before producing (a new group starts at the stream's end)."""
    from app.integrations.openedx.eventbus.envelope import stream_name

    redis_client.xgroup_create(stream_name(topic, prefix), group, id="$", mkstream=True)
