"""Job functions the job tests enqueue; worker processes import them by dotted path.

Each job leaves its traces in files under a directory the test owns (``marker_dir``): a file
line is written even by a run that later dies or rolls back, so the tests can tell how many
times a body started apart from how many times it committed (the ``JobReceipt``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from accord.core.jobs import idempotent


def marker_lines(marker_dir: str | Path, name: str) -> list[str]:
    path = Path(marker_dir) / name
    return path.read_text().splitlines() if path.exists() else []


def _append(marker_dir: str, name: str, line: str) -> int:
    """Append a line durably; return how many lines the file has now."""
    path = Path(marker_dir) / name
    with path.open("a") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    return len(marker_lines(marker_dir, name))


@idempotent
def record_done(*, marker_dir: str, label: str) -> str:
    _append(marker_dir, "done.log", label)
    return label


@idempotent
def block_on_first_attempt(*, marker_dir: str, label: str) -> str:
    """Block on the first run (inside the job's transaction) until killed; finish on the next."""
    if _append(marker_dir, "started.log", f"{label} pid={os.getpid()}") == 1:
        time.sleep(600)
    _append(marker_dir, "done.log", label)
    return label


@idempotent
def fail_on_first_attempt(*, marker_dir: str, label: str) -> str:
    if _append(marker_dir, "started.log", label) == 1:
        raise RuntimeError("planned failure of the first attempt")
    _append(marker_dir, "done.log", label)
    return label


def not_idempotent(*, marker_dir: str, label: str) -> None:
    _append(marker_dir, "done.log", label)


def periodic_sweep() -> None:
    """A periodic job stand-in: a sweep over current state, harmless to run twice."""
