"""`laurel consume` processes sharing one group: work split, SIGTERM honoured, and a consumer
killed with SIGKILL mid-batch loses nothing and duplicates nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from app.config import Settings
from app.integrations.openedx.eventbus.envelope import stream_name
from app.models import BusEvent, CourseAward, IssuedCredential, Learner
from app.models.enums import CredentialStatus
from tests.integrations.openedx.conftest import RUN, Site
from tests.integrations.openedx.eventbus.conftest import (
    ROOT,
    TOPIC,
    certificate,
    new_group,
    produce,
)

pytestmark = pytest.mark.slow  # starts `laurel consume` processes


class Consumers:
    """`laurel consume` processes on the test's database and stream."""

    def __init__(self, settings: Settings, bus_url: str, prefix: str, logs: Path) -> None:
        self.logs = logs
        self.env = {
            **os.environ,
            "LAUREL_DATABASE_URL": settings.database_url,
            "LAUREL_KEYS_DIR": str(settings.keys_dir),
            "LAUREL_BASE_URL": str(settings.base_url),
            "LAUREL_EVENT_BUS_REDIS_URL": bus_url,
            "LAUREL_EVENT_BUS_PROGRESS_SECONDS": "1",
        }
        self.prefix = prefix
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, name: str, *extra: str, batch: int = 20, claim_idle: float = 1
    ) -> subprocess.Popen[str]:
        args = ["--topic", TOPIC, "--group", "laurel", "--consumer", name,
                "--topic-prefix", self.prefix, *extra]  # fmt: skip
        out, err = self.logs / f"{name}.out", self.logs / f"{name}.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "consume", *args],
                env={
                    **self.env,
                    "LAUREL_EVENT_BUS_BATCH_SIZE": str(batch),
                    "LAUREL_EVENT_BUS_CLAIM_IDLE_SECONDS": str(claim_idle),
                },
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
                text=True,
            )
        self.started.append(proc)
        # "consuming STREAM as GROUP/NAME" once the group exists and it reads.
        _wait_for(lambda: "consuming" in err.read_text() or proc.poll() is not None, 60)
        assert proc.poll() is None, err.read_text()
        return proc

    def finish(self, proc: subprocess.Popen[str], name: str) -> tuple[str, str]:
        """Wait for the process; its stdout and stderr."""
        proc.wait(timeout=300)
        out = (self.logs / f"{name}.out").read_text()
        return out, (self.logs / f"{name}.err").read_text()

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def consumers(settings: Settings, bus_url: str, prefix: str, tmp_path: Path) -> Iterator[Consumers]:
    running = Consumers(settings, bus_url, prefix, tmp_path)
    yield running
    running.stop_all()


def _wave(learners: range) -> list[dict[str, Any]]:
    """A certificate for each learner; every tenth said twice, every seventh revoked."""
    events = []
    for n in learners:
        user = {"user_id": n, "username": f"learner{n}"}
        events.append(certificate("created", course_key=RUN, **user))
        if n % 10 == 0:
            events.append(certificate("created", course_key=RUN, **user))
        if n % 7 == 0:
            events.append(certificate("revoked", course_key=RUN, status="notpassing", **user))
    return events


def _applied(site: Site) -> int:
    with Session(site.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(BusEvent)).one())


def _wait_for(condition: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _state(pid: int) -> str:
    """The process state letter from /proc (T: stopped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0]


def _check_exactly_once(site: Site, learners: range, events: int) -> None:
    """Every event applied once; one credential per awarded learner, active unless revoked.
    A revocation handled before the award it follows leaves no credential at all (the award
    is older: stale), so revoked learners have one revoked credential or none."""
    with Session(site.services.engine) as session:
        assert session.exec(select(func.count()).select_from(BusEvent)).one() == events
        rows = session.exec(
            select(Learner.lms_id, IssuedCredential.status)
            .join(CourseAward, CourseAward.learner_id == Learner.id)  # type: ignore[arg-type]
            .join(IssuedCredential, IssuedCredential.uuid == CourseAward.credential_uuid)  # type: ignore[arg-type]
        ).all()
        total = session.exec(select(func.count()).select_from(IssuedCredential)).one()
    assert total == len(rows)  # every credential is an award's
    by_learner: dict[str, list[str]] = {}
    for lms_id, status in rows:
        by_learner.setdefault(lms_id, []).append(status)
    for n in learners:
        statuses = by_learner.get(str(n), [])
        if n % 7 == 0:
            assert statuses in ([], [CredentialStatus.REVOKED]), (n, statuses)
        else:
            assert statuses == [CredentialStatus.ACTIVE], (n, statuses)  # none lost or twice


def test_two_processes_share_the_stream_and_stop_on_sigterm(
    site: Site, redis_client: Any, bus_url: str, prefix: str, consumers: Consumers
) -> None:
    new_group(redis_client, prefix)
    # Nobody is presumed dead here: each entry is read by one consumer only.
    first = consumers.start("one", batch=10, claim_idle=120)
    second = consumers.start("two", batch=10, claim_idle=120)
    learners = range(1, 81)
    events = _wave(learners)
    produce(bus_url, prefix, events)
    _wait_for(lambda: _applied(site) == len(events))
    _wait_for(lambda: redis_client.xpending(stream_name(TOPIC, prefix), "laurel")["pending"] == 0)
    outputs = []
    for proc, name in ((first, "one"), (second, "two")):
        proc.send_signal(signal.SIGTERM)
        out, err = consumers.finish(proc, name)
        assert proc.returncode == 0, err
        assert "events/s" in err and "lag" in err  # the progress line
        outputs.append(out)
    read = [int(out.split()[1]) for out in outputs]  # "read N (claimed M); ..."
    assert sum(read) == len(events) and all(n > 0 for n in read), outputs
    _check_exactly_once(site, learners, len(events))


def test_a_consumer_killed_mid_batch_leaves_its_entries_to_another(
    site: Site, redis_client: Any, bus_url: str, prefix: str, consumers: Consumers
) -> None:
    stream = stream_name(TOPIC, prefix)
    new_group(redis_client, prefix)
    doomed = consumers.start("doomed", batch=50)
    learners = range(1, 301)
    events = _wave(learners)
    produce(bus_url, prefix, events)

    def holding() -> int:
        consumers_now = redis_client.xinfo_consumers(stream, "laurel")
        return next(c["pending"] for c in consumers_now if c["name"] == b"doomed")

    def frozen_mid_batch() -> bool:
        """Stopped (SIGSTOP) while it holds entries it has not acknowledged, after it applied
        some: a check on a running consumer races its XACK."""
        doomed.send_signal(signal.SIGSTOP)
        _wait_for(lambda: _state(doomed.pid) == "T", 10)  # stopped, not just signalled
        if holding() > 0 and _applied(site) > 0:
            return True
        doomed.send_signal(signal.SIGCONT)
        return False

    _wait_for(frozen_mid_batch)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    assert holding() > 0  # killed holding a batch it never acknowledged
    survivor = consumers.start("survivor", "--until-idle", batch=50)
    out, err = consumers.finish(survivor, "survivor")
    assert survivor.returncode == 0, err
    assert "claimed" in out and int(out.split("claimed ")[1].split(")")[0]) > 0, out
    assert redis_client.xpending(stream, "laurel")["pending"] == 0
    _check_exactly_once(site, learners, len(events))
