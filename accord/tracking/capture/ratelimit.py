"""Per-IP, per-site rate limits on the capture endpoints, shared by every web process.

Counters are kept in fixed windows: ``N`` requests per ``S`` seconds per (endpoint, site, IP).
Where they live (``CAPTURE_RATE_LIMIT_STORE``):

* ``"local"`` (default): a small SQLite file of its own (``CAPTURE_RATE_LIMIT_PATH``) shared
  by every web process on this host. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per
  request counts exactly across processes in ~20 µs; the file is written without fsync, since
  a counter lost in a power cut only forgives a few requests. It is not the main database, so
  counting never waits for (or holds) the database's write lock. Django's file cache, used
  before, cost a pickle, a temp file and a rename per request (3 to 5 ms under I/O load).
* ``"cache"``: Django's cache (set when ``ACCORD_CACHE_URL`` names Redis), for several hosts.

The client IP is ``REMOTE_ADDR``. Behind a reverse proxy set ``CAPTURE_TRUSTED_PROXY_COUNT``
(``ACCORD_TRUSTED_PROXY_COUNT``) to the number of proxies in front of Accord: the address
that many hops from the right of ``X-Forwarded-For`` is used. The header is never trusted by
default, since any client can send it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from accord.tracking.capture.errors import RateLimited

# One request in this many also deletes the counters of finished windows.
_PRUNE_EVERY = 1000


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


@lru_cache(maxsize=16)
def limit_parse(spec: str) -> Limit | None:
    """``"60/60"`` → 60 requests per 60 seconds; ``"0"`` or empty → no limit."""
    spec = (spec or "").strip()
    if spec in ("", "0"):
        return None
    count, _, seconds = spec.partition("/")
    return Limit(requests=int(count), seconds=int(seconds or 60))


def client_ip(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "CAPTURE_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def window_hit(*, key: str, seconds: int) -> tuple[int, float]:
    """Count one hit for ``key`` in the current fixed window of ``seconds``, atomically.

    Returns the window's count including this hit, and when the window ends (epoch seconds).
    Every request increments in one statement (SQLite upsert ``RETURNING`` or the cache's
    ``incr``), never read-then-write: concurrent requests see distinct counts, so exactly
    the limit passes. Also the REST API's throttle (``config.api``).
    """
    window = int(time.time() // seconds)
    window_end = float((window + 1) * seconds)
    key = f"{key}:{window}"
    if getattr(settings, "CAPTURE_RATE_LIMIT_STORE", "local") == "cache":
        return _cache_count(key, timeout=seconds + 1), window_end
    return _local_counters(str(settings.CAPTURE_RATE_LIMIT_PATH)).hit(key, window_end), window_end


def rate_limit_hit(*, scope: str, site_key: str, ip: str, spec: str) -> None:
    """Count one request; raise ``RateLimited`` (with ``retry_after`` seconds) over the limit."""
    limit = limit_parse(spec)
    if limit is None:
        return
    count, window_end = window_hit(key=f"capture-rl:{scope}:{site_key}:{ip}", seconds=limit.seconds)
    if count > limit.requests:
        retry_after = max(1, int(window_end - time.time() + 0.999))
        raise RateLimited(
            f"Too many requests from this address; try again in {retry_after} seconds.",
            retry_after=retry_after,
        )


def _cache_count(key: str, *, timeout: int) -> int:
    from django.core.cache import cache

    try:
        return cache.incr(key)
    except ValueError:
        # First request of the window. ``add`` loses a race gracefully: the loser counts on.
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)


class _LocalCounters:
    """Window counters in a host-local SQLite file; one connection per thread and process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():  # forked: never share a handle
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counter ("
                " key TEXT PRIMARY KEY, expires REAL NOT NULL, hits INTEGER NOT NULL)"
            )
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def hit(self, key: str, expires: float) -> int:
        conn = self._connection()
        (count,) = conn.execute(
            "INSERT INTO counter (key, expires, hits) VALUES (?, ?, 1)"
            " ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits",
            (key, expires),
        ).fetchone()
        if random.randrange(_PRUNE_EVERY) == 0:
            conn.execute("DELETE FROM counter WHERE expires < ?", (time.time(),))
        return int(count)


@lru_cache(maxsize=4)
def _local_counters(path: str) -> _LocalCounters:
    return _LocalCounters(path)
