"""The README's commands exist: `make run`, `make test`, `make bench` (a merge once dropped
the bench target without anyone noticing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("target", "runs"),
    [
        ("run", "laurel serve"),
        ("test", "-m pytest"),
        ("bench", "-m benchmarks"),
        ("lint", "lint-imports"),
    ],
)
def test_the_documented_make_targets_run_their_commands(target: str, runs: str) -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    planned = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "-o", "oidc-provider", "-o", "migrate", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert planned.returncode == 0, planned.stderr
    assert runs in planned.stdout
