"""Take turns for SQLite's single write lock without its sleeping busy handler.

SQLite lets one writer in at a time; a process that finds the lock taken sleeps and retries
(Python's sqlite3 uses SQLite's busy handler: 1, 2, 5, 10, 15, 20, 25… ms). A capture
transaction holds the lock about a millisecond, so under concurrent submissions the waiters
mostly sleep long after the lock is free: two web processes measured ~120 submissions/s with a
p99 of one second. Queuing on an OS file lock (``flock``) first wakes the next writer as soon
as the previous one finishes. Threads of one process queue on a mutex in front of it, since a
``flock`` is held per open file, not per thread.

Other writers (the job worker, the admin) do not queue here; they still meet SQLite's own lock
and busy timeout, as before. On PostgreSQL this does nothing: rows are locked, not the database.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_mutex = threading.Lock()
_files: dict[str, tuple[int, int]] = {}  # lock path -> (pid, fd)


def _lock_fd(path: str) -> int:
    pid = os.getpid()
    known = _files.get(path)
    if known is None or known[0] != pid:  # a forked child opens its own
        _files[path] = known = (pid, os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    return known[1]


@contextmanager
def sqlite_write_turn() -> Iterator[None]:
    """Wait for this process's and then this host's turn to write to the SQLite database."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # PostgreSQL, or the caller's transaction already holds the write lock
        return
    path = f"{connection.settings_dict['NAME']}.capture-lock"
    with _mutex:
        fd = _lock_fd(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
