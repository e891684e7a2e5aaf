"""The import-linter contracts: app.core stays a pure library, layers point downward."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def test_import_contracts_hold() -> None:
    root = Path(__file__).resolve().parents[1]
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
