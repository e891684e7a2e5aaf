"""Issue 13, issuance at wire speed: each target as server CPU per credential, as xY and xYw.

- single OB 3.0 issue over HTTP (uvicorn, one worker, one sequential client), SQLite and
  PostgreSQL: the server process's CPU (utime + stime from /proc) over N requests;
- ``POST /credentials/issue:batch`` and the LMS ``POST /api/v1/grades:batch``, same measure;
- memory: RSS of an in-process issuer after 1,000 credentials and after many more.

Every figure is the median of 5 runs, printed once all are measured, with two ratios: "paired",
the median of the runs' ratios, each run divided by the Y sampled just before and after it
(``yardstick.sample``), which a slow spell flatters (it slows pyld more than the server: by
about a tenth, by an outside review); and "harsh", the fastest run over the fastest burst of Y
(``yardstick.fastest_seconds``), which errs against Laurel (by 15 to 20 %, the same review).
The fair figure lies between the two.

PostgreSQL figures need ``BENCH_DATABASE_URL`` (or ``TEST_DATABASE_URL``): a throwaway
database whose ``public`` schema (or the one its URL's ``options=-csearch_path%3D<schema>``
names) is dropped and made again.
``BENCH_MEMORY_COUNT`` sets how many credentials the memory figure issues (default 20,000).
"""

from __future__ import annotations

import gc
import json
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.config import Settings
from benchmarks import yardstick
from benchmarks.server import Server, load, running_server
from benchmarks.yardstick import yardstick_seconds, yardstick_warm_seconds
from tests.factories import open_badge

RUNS = 5
SINGLE_COUNT = 200
BATCH_SIZE = 250
BATCHES_PER_RUN = 2
#: Y samples in each burst taken around a run: as many as Y's own definition takes.
Y_RUNS_PER_FIGURE = yardstick.RUNS


def _postgres_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url or None


def _empty_postgres(url: str) -> None:
    """Drop and make again the schema the URL works in: ``public``, or the one named by
    ``?options=-csearch_path%3D<schema>`` (to bench beside a test database)."""
    match = re.search(r"search_path(?:%3D|=)(\w+)", url)
    schema = match.group(1) if match else "public"
    engine = create_engine(Settings(database_url=url).database_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def _headers(server: Server) -> dict[str, str]:
    server.laurel("orgs", "create", "--slug", "bench", "--name", "Bench U")
    creds = json.loads(server.laurel("clients", "create", "--org", "bench", "--json"))
    token = httpx.post(
        f"{server.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(creds["client_id"], creds["client_secret"]),
    ).json()
    return {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Measured:
    """A figure: the median server CPU per credential, and the median of its runs' ratios to
    the Y (and Y_warm) sampled around each run."""

    seconds: float
    in_y: float
    in_yw: float
    #: The fastest run: divided by the fastest Y, the harsh ratio (``Figure``).
    fastest: float


def _median_cpu_per_credential(run_once: Callable[[], float]) -> Measured:
    """``RUNS`` runs, each bracketed by a burst of Y samples before and after it: a run's
    ratio divides it by the Y of its own seconds (this machine's speed changes from one
    second to the next, and pyld and the server need not slow down alike), and the figure
    is the median of the runs' ratios."""
    run_once()  # warm: contexts, key cache, status list, connection pool
    seconds, in_y, in_yw = [], [], []
    before = yardstick.sample(Y_RUNS_PER_FIGURE)
    for _ in range(RUNS):
        cpu = run_once()
        after = yardstick.sample(Y_RUNS_PER_FIGURE)
        seconds.append(cpu)
        in_y.append(cpu / statistics.fmean((before[0], after[0])))
        in_yw.append(cpu / statistics.fmean((before[1], after[1])))
        before = after
    return Measured(
        statistics.median(seconds),
        statistics.median(in_y),
        statistics.median(in_yw),
        min(seconds),
    )


def _single(server: Server, headers: dict[str, str]) -> Measured:
    body = json.dumps({"credential": open_badge()}).encode()

    def once() -> float:
        figures = load(
            server,
            method="POST",
            path="/credentials/issue",
            headers=headers,
            body=body,
            count=SINGLE_COUNT,
            concurrency=1,
        )
        assert not figures["errors"], figures
        return float(figures["server_cpu_ms"]) / 1000

    return _median_cpu_per_credential(once)


def _batch(server: Server, headers: dict[str, str]) -> Measured:
    body = json.dumps({"items": [{"credential": open_badge()}] * BATCH_SIZE}).encode()

    def once() -> float:
        figures = load(
            server,
            method="POST",
            path="/credentials/issue:batch",
            headers=headers,
            body=body,
            count=BATCHES_PER_RUN,
            concurrency=1,
        )
        assert not figures["errors"], figures
        return float(figures["server_cpu_ms"]) / 1000 / BATCH_SIZE

    return _median_cpu_per_credential(once)


def _grades_batch(server: Server, headers: dict[str, str]) -> Measured:
    """Passing grades of new learners in one course run: each issues a course credential."""
    run_key = "course-v1:Bench+Wire+2026_T1"
    created = httpx.post(
        f"{server.base_url}/api/v1/courses",
        headers=headers,
        json={
            "key": run_key,
            "title": "Wire speed",
            "passing_grade": 0.6,
            "certificate_modes": ["verified"],
        },
    )
    assert created.status_code in (200, 201), created.text
    counter = iter(range(10**9))

    def events() -> bytes:
        batch = []
        for _ in range(BATCH_SIZE):
            n = next(counter)
            batch.append(
                {
                    "event_id": f"wire-{n}",
                    "learner": {"id": f"w{n}", "name": f"Learner {n}", "email": f"w{n}@b.test"},
                    "course_run": run_key,
                    "percent_grade": 0.9,
                    "mode": "verified",
                    "timestamp": "2026-03-01T12:00:00Z",
                }
            )
        return json.dumps({"events": batch}).encode()

    def once() -> float:
        cpu = 0.0
        for _ in range(BATCHES_PER_RUN):
            figures = load(
                server,
                method="POST",
                path="/api/v1/grades:batch",
                headers=headers,
                body=events(),
                count=1,
                concurrency=1,
            )
            assert not figures["errors"], figures
            cpu += float(figures["server_cpu_ms"]) / 1000
        return cpu / (BATCH_SIZE * BATCHES_PER_RUN)

    return _median_cpu_per_credential(once)


@dataclass(frozen=True)
class Figure:
    label: str
    measured: Measured
    target: float

    def line(self) -> str:
        """The median run and its paired ratio; then the harsh ratio, the fastest run over
        the fastest burst of Y (``yardstick.fastest_seconds``): the fair one lies between."""
        m = self.measured
        harsh = m.fastest / yardstick.fastest_seconds()
        return (
            f"{self.label:<60} {m.seconds * 1000:6.3f} ms = {m.in_y:4.2f} Y paired"
            f" ({m.in_yw:4.2f} Yw); harsh: {harsh:4.2f} Y  (target <= {self.target:.1f} Y)"
        )


def http_figures() -> list[Figure]:
    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    pg = _postgres_url()
    if pg:
        databases.append(("PostgreSQL", pg))
    figures = []
    for name, url in databases:
        if url:
            _empty_postgres(url)
        with running_server(url) as server:
            headers = _headers(server)
            label = f"HTTP issue, 1 worker, sequential, {name}: server CPU/cred"
            figures.append(Figure(label, _single(server, headers), 0.6))
            label = f"HTTP issue:batch x{BATCH_SIZE}, {name}: server CPU/cred"
            figures.append(Figure(label, _batch(server, headers), 0.3))
            label = f"HTTP grades:batch x{BATCH_SIZE} passing, {name}: server CPU/cred"
            figures.append(Figure(label, _grades_batch(server, headers), 0.3))
    return figures


def _rss_bytes() -> int:
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_figures() -> None:
    """RSS of one in-process issuer (the batch path, 500 per transaction) after 1,000
    credentials and after ``BENCH_MEMORY_COUNT``."""
    from app.credentials.issuance import IssueOptions
    from app.db import session_scope
    from app.issuers.organizations import create_organization, organization
    from benchmarks.common import throwaway_services

    total = int(os.environ.get("BENCH_MEMORY_COUNT", "20000"))
    services = throwaway_services()
    with session_scope(services.engine) as session:
        org_id = create_organization(session, services.keyring, slug="mem", name="Mem U").id
    services.status_lists.size = max(services.status_lists.size, 131072)
    template = open_badge()
    issued = 0
    checkpoints: dict[int, int] = {}
    start = time.perf_counter()
    while issued < total:
        size = min(500, total - issued)
        with session_scope(services.engine) as session:
            org = organization(session, org_id)
            items: list[tuple[Any, IssueOptions]] = [(dict(template), IssueOptions())] * size
            services.issuance.issue_batch(session, org, items)
        issued += size
        if issued in (1000, total):
            gc.collect()
            checkpoints[issued] = _rss_bytes()
    seconds = time.perf_counter() - start
    first, last = checkpoints[1000], checkpoints[total]
    print(
        f"{'RSS after 1,000 / after ' + format(total, ',') + ' in-process issues':<66}"
        f" {first / 2**20:7.1f} MB / {last / 2**20:7.1f} MB = {100 * (last / first - 1):+5.1f} %"
        f"  ({seconds:.0f} s)"
    )


def run() -> None:
    figures = http_figures()
    y, warm = yardstick_seconds(), yardstick_warm_seconds()
    print(
        f"== issue 13: issuance at wire speed, medians of {RUNS} runs; each run divided by the"
        f" Y sampled just before and after it (over this section, Y = {y * 1000:.3f} ms,"
        f" Yw = {warm * 1000:.3f} ms on average, {yardstick.samples()} bursts:"
        f" {yardstick.spread()}) =="
    )
    for figure in figures:
        print(figure.line())
    if not _postgres_url():
        print("(PostgreSQL figures skipped: set BENCH_DATABASE_URL to a throwaway database)")
    memory_figures()


if __name__ == "__main__":
    run()
