"""A course-end wave on the Open edX event bus: 10,000 certificate events (new awards, the
same event redelivered, the LMS saying it again, revocations) put on a Redis stream, then
`laurel consume` processes turn them into signed, stored credentials. Events/s with 1 and 2
consumer processes on PostgreSQL (a throwaway database and stream each), then a profile of
one consumer saying where the time goes.

Environment: LAUREL_BENCH_POSTGRES_URL (an admin URL; default the local postgres database),
LAUREL_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0), WAVE_EVENTS (default 10000).
The target (issue 12): 100,000 events in under 2 minutes, i.e. 833 events/s.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, func, select

from app.config import PROJECT_ROOT, Settings
from app.container import Services, build_services, prepare
from app.db import make_engine, session_scope
from app.integrations.openedx.connections import ConnectionSettings, connect
from app.integrations.openedx.eventbus.avro import AvroCodec
from app.integrations.openedx.eventbus.consumer import ConsumerPolicy, StreamConsumer
from app.integrations.openedx.eventbus.dispatch import Dispatcher
from app.integrations.openedx.eventbus.envelope import BusEntry, stream_name
from app.integrations.openedx.eventbus.payloads import CERTIFICATE_CREATED, CERTIFICATE_REVOKED
from app.issuers.organizations import create_organization
from app.migrations import upgrade
from app.models import BusEvent, IssuedCredential

TOPIC = "learning-certificate-lifecycle"
GROUP = "laurel-wave"
RUNS = [f"course-v1:Wave+C{n}+2026_T4" for n in range(10)]
TARGET = 833.0


@dataclass
class Wave:
    entries: list[dict[bytes, bytes]]
    distinct: int  # distinct event ids (what bus_events ends with)
    awarded: int  # learners with a credential at the end
    revoked: int  # of which revoked
    mix: Counter[str]


def make_wave(codec: AvroCodec, count: int) -> Wave:
    """80 % new awards, 5 % the same entry again (a redelivery), 5 % the LMS repeating an
    award (a new event id), 10 % revocations of learners awarded earlier in the wave."""
    entries: list[dict[bytes, bytes]] = []
    mix: Counter[str] = Counter()
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    learners: list[int] = []
    revoked: set[int] = set()
    for n in range(count):
        slot = n % 20
        when = t0 + timedelta(milliseconds=n)
        if slot < 16 or not learners:
            learner = len(learners) + 1
            learners.append(learner)
            entries.append(_entry(codec, CERTIFICATE_CREATED, learner, when))
            mix["new award"] += 1
        elif slot == 16:
            entries.append(dict(entries[-1]))  # the producer's retry: the very same event
            mix["redelivered (same id)"] += 1
        elif slot == 17:
            entries.append(_entry(codec, CERTIFICATE_CREATED, learners[-2], when))
            mix["award again (new id)"] += 1
        else:
            learner = learners[(n * 7919) % len(learners)]
            while learner in revoked:
                learner = learner % len(learners) + 1
            revoked.add(learner)
            entries.append(_entry(codec, CERTIFICATE_REVOKED, learner, when, "notpassing"))
            mix["revocation"] += 1
    distinct = len({e[b"id"] for e in entries})
    return Wave(entries, distinct, len(learners), len(revoked), mix)


def _entry(
    codec: AvroCodec, event_type: str, learner: int, when: datetime, status: str = "downloadable"
) -> dict[bytes, bytes]:
    record = {
        "certificate": {
            "user": {
                "id": learner,
                "is_active": True,
                "pii": {
                    "username": f"learner{learner}",
                    "email": f"learner{learner}@wave.test",
                    "name": f"Learner {learner}",
                },
            },
            "course": {
                "course_key": RUNS[learner % len(RUNS)],
                "display_name": "",
                "start": None,
                "end": None,
            },
            "mode": "verified",
            "grade": "0.91",
            "download_url": "",
            "name": "",
            "current_status": status,
            "previous_status": "",
        }
    }
    return BusEntry(
        entry_id="",
        type=event_type,
        id=str(uuid.uuid1()),
        source="openedx/lms/web",
        time=when,
        minorversion=0,
        sourcehost="lms",
        sourcelib="10.5.0",
        event_data=codec.encode(event_type, record),
    ).to_fields()


# -- a throwaway Laurel on a throwaway PostgreSQL database -------------------------------------


class Throwaway:
    def __init__(self, admin_url: str, redis_url: str) -> None:
        self.admin_url = admin_url
        self.redis_url = redis_url
        self.name = f"laurel_wave_{uuid.uuid4().hex[:8]}"
        self.prefix = f"laurel-wave-{uuid.uuid4().hex[:8]}"
        self.tmp = Path(tempfile.mkdtemp(prefix="laurel-wave-"))
        base = Settings(database_url=admin_url).database_url
        self.url = base.rsplit("/", 1)[0] + "/" + self.name
        self._admin("CREATE DATABASE " + self.name)
        upgrade(make_engine(self.url))
        self.settings = Settings(
            base_url="https://wave.laurel.test", database_url=self.url, keys_dir=self.tmp / "keys"
        )
        self.services: Services = build_services(self.settings)
        prepare(self.services)
        with session_scope(self.services.engine) as session:
            org = create_organization(
                session, self.services.keyring, slug="wave", name="Wave University"
            )
            wanted = ConnectionSettings(
                jwt_issuer="https://lms.wave.test/oauth2",
                jwt_audience="lms",
                service_user="credentials_service_user",
                jwt_secret="wave-secret-0123456789",
                course_orgs=("Wave",),
                topic_prefix=self.prefix,
            )
            connect(session, org, wanted)
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.stream = stream_name(TOPIC, self.prefix)

    def _admin(self, sql: str) -> None:
        engine = make_engine(Settings(database_url=self.admin_url).database_url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(sql))
        engine.dispose()

    def drop(self) -> None:
        self.services.engine.dispose()
        self.redis.delete(self.stream, self.stream + "-dead-letter")
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def env(self, commit_every: int) -> dict[str, str]:
        return {
            **os.environ,
            "LAUREL_DATABASE_URL": self.url,
            "LAUREL_KEYS_DIR": str(self.settings.keys_dir),
            "LAUREL_BASE_URL": "https://wave.laurel.test",
            "LAUREL_EVENT_BUS_REDIS_URL": self.redis_url,
            "LAUREL_EVENT_BUS_BATCH_SIZE": os.environ.get(
                "WAVE_BATCH", str(Settings.model_fields["event_bus_batch_size"].default)
            ),
            "LAUREL_EVENT_BUS_COMMIT_EVERY": str(commit_every),
            "LAUREL_EVENT_BUS_PROGRESS_SECONDS": "5",
            "LAUREL_LOG_LEVEL": "WARNING",
        }

    def counts(self) -> tuple[int, int, int]:
        with Session(self.services.engine) as session:
            applied = session.exec(select(func.count()).select_from(BusEvent)).one()
            issued = session.exec(select(func.count()).select_from(IssuedCredential)).one()
            revoked = session.exec(
                select(func.count())
                .select_from(IssuedCredential)
                .where(IssuedCredential.status == "revoked")
            ).one()
        return int(applied), int(issued), int(revoked)


def _drained(place: Throwaway) -> bool:
    for info in place.redis.xinfo_groups(place.stream):
        if info["name"] == GROUP.encode():
            return info["lag"] == 0 and info["pending"] == 0
    return False


def wave_with_processes(
    admin_url: str, redis_url: str, codec: AvroCodec, count: int, processes: int, commit_every: int
) -> None:
    place = Throwaway(admin_url, redis_url)
    try:
        wave = make_wave(codec, count)
        place.redis.xgroup_create(place.stream, GROUP, id="$", mkstream=True)
        procs, logs = [], []
        for n in range(processes):
            log = open(place.tmp / f"consumer{n}.err", "w")  # noqa: SIM115
            logs.append(log)
            args = ["--topic", TOPIC, "--group", GROUP, "--consumer", f"wave{n}"]
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "consume", *args],
                    env=place.env(commit_every),
                    cwd=PROJECT_ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
        while not all("consuming" in (place.tmp / f"consumer{n}.err").read_text()
                      for n in range(processes)):  # fmt: skip
            time.sleep(0.05)
        started = time.perf_counter()
        pipe = place.redis.pipeline(transaction=False)
        for fields in wave.entries:
            pipe.xadd(place.stream, fields)
        pipe.execute()
        while not _drained(place):
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=120)
        for log in logs:
            log.close()
        applied, issued, revoked = place.counts()
        # A revocation handled before the award it follows leaves no credential (the award
        # is stale): every learner ends with one active credential unless revoked.
        ok = applied == wave.distinct and issued - revoked == wave.awarded - wave.revoked
        per_tx = "batch" if not commit_every else f"{commit_every}"
        print(
            f"  {processes} consumer process{'es' if processes > 1 else '  '}, {per_tx:>5} per "
            f"transaction: {count / seconds:6.0f} events/s  ({count} in {seconds:6.1f} s; "
            f"{issued} credentials signed and stored, {revoked} of them revoked; "
            f"{'exactly once' if ok else f'MISMATCH: applied {applied}/{wave.distinct}'})"
        )
    finally:
        place.drop()


# -- where the time goes -----------------------------------------------------------------------

#: Functions whose cumulative time answers "where does it go", in the order printed.
STAGES = [
    ("read entries from Redis (XREADGROUP)", "consumer.py", "_read"),
    ("decode Avro", "avro.py", "decode"),
    ("claim event ids (one INSERT)", "repository.py", "claim_events"),
    ("runs and rounds of the batch", "dispatch.py", "_rounds"),
    ("certificate words applied together", "certificate_batch.py", "apply_words"),
    ("  learners (found, created together)", "certificate_batch.py", "_learners"),
    ("  first awards issued as one batch", "service.py", "award_many"),
    ("    issue (complete, validate, sign, store)", "issuance.py", "issue_batch"),
    ("      sign (eddsa-rdfc-2022)", "signing.py", "sign"),
    ("        canonicalize (RDFC-1.0)", "jsonld.py", "canonicalize"),
    ("      store (executemany)", "issuance.py", "_insert_all"),
    ("  revocations together", "status_changes.py", "revoke_many"),
    ("  the LMS's words stored", "certificate_batch.py", "_store_words"),
    ("status lists re-signed once per batch", "status_lists.py", "_resign_changed"),
    ("entries one at a time (fallback, grades)", "dispatch.py", "_apply"),
    ("SQL statements (execute)", "default.py", "do_execute"),
    ("SQL statements (executemany)", "default.py", "do_executemany"),
    ("commit", "session.py", "commit"),
    ("acknowledge (XACK)", "client.py", "xack"),
]


def profile_one_consumer(admin_url: str, redis_url: str, codec: AvroCodec, count: int) -> None:
    place = Throwaway(admin_url, redis_url)
    try:
        wave = make_wave(codec, count)
        place.redis.xgroup_create(place.stream, GROUP, id="$", mkstream=True)
        pipe = place.redis.pipeline(transaction=False)
        for fields in wave.entries:
            pipe.xadd(place.stream, fields)
        pipe.execute()
        runner = StreamConsumer(
            place.redis,
            place.services.engine,
            Dispatcher(codec, place.services.openedx, place.stream),
            stream=place.stream,
            group=GROUP,
            consumer="profiled",
            policy=ConsumerPolicy(
                batch_size=place.settings.event_bus_batch_size,
                block_ms=10,
                progress_every_seconds=0,
            ),
        )
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        runner.run(threading.Event(), until_idle=True)
        profiler.disable()
        seconds = time.perf_counter() - started
        stats = pstats.Stats(profiler)
        print(f"  profile of one in-process consumer, {count} events ({count / seconds:.0f}/s "
              f"under the profiler), cumulative share of its time:")  # fmt: skip
        for label, filename, function in STAGES:
            cumulative = max(  # the outermost of nested same-name calls
                (
                    v[3]
                    for k, v in stats.stats.items()  # type: ignore[attr-defined]
                    if k[0].endswith(filename) and k[2] == function
                ),
                default=0.0,
            )
            per_event = cumulative / count * 1000
            print(f"    {label:<44} {cumulative / seconds:6.1%}  {per_event:6.2f} ms/event")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print("  top functions by own time:")
        for line in out.getvalue().splitlines():
            if line.strip() and ("/" in line or "{" in line) and "ncalls" not in line:
                print("    " + line.strip()[:150])
    finally:
        place.drop()


def run() -> None:
    admin_url = os.environ.get(
        "LAUREL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("LAUREL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    count = int(os.environ.get("WAVE_EVENTS", "10000"))
    codec = AvroCodec.from_directory(PROJECT_ROOT / "schemas" / "openedx-events")
    mix = make_wave(codec, count).mix
    print(f"course-end wave on the Open edX event bus (PostgreSQL; target {TARGET:.0f} events/s)")
    print("  " + ", ".join(f"{n} {kind}" for kind, n in mix.items()))
    try:
        import redis

        redis.Redis.from_url(redis_url).ping()
        make_engine(Settings(database_url=admin_url).database_url).connect().close()
    except Exception as exc:
        print(f"  skipped: PostgreSQL or Redis unreachable ({exc!r})")
        return
    for processes in (1, 2):
        wave_with_processes(admin_url, redis_url, codec, count, processes, 0)
    # One entry per transaction forgoes the grouped path: shown on a smaller wave.
    for processes in (1, 2):
        wave_with_processes(admin_url, redis_url, codec, min(count, 1000), processes, 1)
    profile_one_consumer(admin_url, redis_url, codec, min(count, 1000))


if __name__ == "__main__":
    run()
