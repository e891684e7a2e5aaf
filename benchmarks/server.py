"""A real Laurel server in a subprocess, and a load client in another process.

Figures through HTTP come from here: uvicorn serving a throwaway SQLite database, driven
over loopback by a separate client process (bounded in count and time), with the server's
CPU time read from /proc before and after.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    pid: int
    env: dict[str, str]

    def cpu_seconds(self) -> float:
        """utime + stime of the server process (/proc/<pid>/stat fields 14 and 15)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def laurel(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout


@contextmanager
def running_server(database_url: str | None = None) -> Iterator[Server]:
    """uvicorn (one worker) on a throwaway SQLite file, or on ``database_url`` (a PostgreSQL
    database whose schema the caller has emptied)."""
    tmp = Path(tempfile.mkdtemp(prefix="laurel-bench-http-"))
    port = free_port()
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.db'}",
        "LAUREL_KEYS_DIR": str(tmp / "keys"),
        "LAUREL_BASE_URL": f"http://127.0.0.1:{port}",
        "LAUREL_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Server(f"http://127.0.0.1:{port}", process.pid, env)
    finally:
        process.terminate()
        process.wait(timeout=10)


LOAD_CLIENT = r"""
import json, statistics, sys, threading, time, httpx
spec = json.loads(sys.stdin.read())  # stdin: a batch body is too long for argv
latencies, errors, lock = [], [], threading.Lock()
def worker(n):
    with httpx.Client(base_url=spec["base_url"], timeout=600) as client:
        for _ in range(n):
            t = time.perf_counter()
            r = client.request(spec["method"], spec["path"], headers=spec["headers"],
                               content=spec.get("body"))
            with lock:
                latencies.append(time.perf_counter() - t)
                if r.status_code >= 400: errors.append(r.status_code)
per = spec["count"] // spec["concurrency"]
threads = [threading.Thread(target=worker, args=(per,)) for _ in range(spec["concurrency"])]
start = time.perf_counter()
[t.start() for t in threads]; [t.join(timeout=300) for t in threads]
wall = time.perf_counter() - start
q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
print(json.dumps({"requests": len(latencies), "errors": len(errors), "wall": wall,
                  "p50": q[49], "p99": q[98]}))
"""


def load(
    server: Server,
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None = None,
    count: int = 400,
    concurrency: int = 4,
) -> dict[str, float]:
    """Drive the server from a separate process; add the server's CPU per request."""
    spec = {
        "base_url": server.base_url,
        "method": method,
        "path": path,
        "headers": headers,
        "body": body.decode() if body else None,
        "count": count,
        "concurrency": concurrency,
    }
    cpu_before = server.cpu_seconds()
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CLIENT],
        input=json.dumps(spec),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    figures = json.loads(result.stdout)
    figures["server_cpu_ms"] = (server.cpu_seconds() - cpu_before) / figures["requests"] * 1000
    figures["per_second"] = figures["requests"] / figures["wall"]
    return figures


def print_load(label: str, figures: dict[str, float]) -> None:
    print(
        f"{label:<58} {figures['per_second']:7.0f}/s  p50 {figures['p50'] * 1000:6.1f} ms"
        f"  p99 {figures['p99'] * 1000:6.1f} ms  server cpu {figures['server_cpu_ms']:5.2f}"
        f" ms/req  errors {int(figures['errors'])}"
    )
