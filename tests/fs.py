"""File-system faults for tests: a read-only directory (also as root) and a full disk."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


@contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """Root ignores mode bits, so as root the directory is made immutable (chattr +i)."""
    if os.geteuid() != 0:
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(directory)]).returncode != 0:
        pytest.skip("running as root where chattr +i is unavailable: cannot make a dir read-only")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(directory)], check=True)


def no_space(*_: Any) -> int:
    """A stand-in for ``os.write`` on a full disk."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
