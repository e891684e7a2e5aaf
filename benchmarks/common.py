"""Benchmark helpers: a throwaway Laurel on SQLite, timing as medians of several runs."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.container import Services, build_services, prepare
from app.db import make_engine
from app.migrations import upgrade


@dataclass
class Timing:
    per_second: float
    wall_ms: float
    cpu_ms: float


def throwaway_services(base_url: str = "https://bench.laurel.test") -> Services:
    tmp = Path(tempfile.mkdtemp(prefix="laurel-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(make_engine(url))
    settings = Settings(base_url=base_url, database_url=url, keys_dir=tmp / "keys")
    services = build_services(settings)
    prepare(services)
    return services


def measure(fn: Callable[[], object], count: int, runs: int = 5) -> Timing:
    """Median over ``runs`` runs of ``count`` calls: wall and CPU (process) time per call."""
    fn()  # warm caches (contexts, keys)
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(count):
            fn()
        walls.append((time.perf_counter() - w0) / count)
        cpus.append((time.process_time() - c0) / count)
    wall = statistics.median(walls)
    return Timing(1 / wall, wall * 1000, statistics.median(cpus) * 1000)


def report(label: str, timing: Timing) -> None:
    print(
        f"{label:<58} {timing.per_second:9.0f}/s  wall {timing.wall_ms:7.3f} ms"
        f"  cpu {timing.cpu_ms:7.3f} ms"
    )
