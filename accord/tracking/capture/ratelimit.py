"""Per-IP, per-site rate limits on the capture endpoints, shared by every web process.

Counters live in Django's cache (a file cache by default, Redis when ``ACCORD_CACHE_URL``
names one), in fixed windows: ``N`` requests per ``S`` seconds per (site, IP, endpoint).
With the file cache two processes may occasionally both read the same count, so the limit
is approximate under heavy parallel load; Redis counts exactly.

The client IP is ``REMOTE_ADDR``. Behind a reverse proxy set ``CAPTURE_TRUSTED_PROXY_COUNT``
(``ACCORD_TRUSTED_PROXY_COUNT``) to the number of proxies in front of Accord: the address
that many hops from the right of ``X-Forwarded-For`` is used. The header is never trusted by
default, since any client can send it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accord.tracking.capture.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


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


def rate_limit_hit(*, scope: str, site_key: str, ip: str, spec: str) -> None:
    """Count one request; raise ``RateLimited`` (with ``retry_after`` seconds) over the limit."""
    limit = limit_parse(spec)
    if limit is None:
        return
    now = time.time()
    window = int(now // limit.seconds)
    key = f"capture-rl:{scope}:{site_key}:{ip}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:
        # First request of the window. ``add`` loses a race gracefully: the loser counts on.
        count = 1 if cache.add(key, 1, timeout=limit.seconds + 1) else cache.incr(key)
    if count > limit.requests:
        retry_after = max(1, int((window + 1) * limit.seconds - now + 0.999))
        raise RateLimited(
            f"Too many requests from this address; try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
