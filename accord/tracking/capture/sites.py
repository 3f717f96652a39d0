"""Site keys and their allowed origins, looked up once per process and kept for a short while.

Every capture request names a site key; reading the site row on each request would cost a
query on the hot path, so each web process keeps a snapshot for ``SITE_CACHE_SECONDS``.
Changes to a site (a new origin, deactivation) therefore take effect within that delay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from accord.tracking.capture.errors import OriginNotAllowed, SiteRejected
from accord.tracking.models import CaptureSite

SITE_CACHE_SECONDS = 30.0
_MAX_KEY_LENGTH = 64


@dataclass(frozen=True)
class SiteSnapshot:
    id: int
    public_key: str
    allowed_origins: frozenset[str]
    default_phone_region: str
    double_opt_in: bool = False
    requires_cookie_consent: bool = False


_sites: dict[str, tuple[float, SiteSnapshot | None]] = {}
_all_origins: list[tuple[float, frozenset[str]]] = []


def site_cache_clear() -> None:
    """Forget every cached site (tests, and after editing sites in this process)."""
    # Deferred: capture.channels imports this module (its resolvers are keyed by a site).
    from accord.tracking.capture.channels import resolver_cache_clear

    _sites.clear()
    _all_origins.clear()
    resolver_cache_clear()


def site_get(public_key: object) -> SiteSnapshot:
    """The active site with this key, or ``SiteRejected`` (naming the ``site`` field)."""
    if not isinstance(public_key, str) or not public_key.strip():
        raise SiteRejected("A site key is required.", field="site")
    key = public_key.strip()
    if len(key) > _MAX_KEY_LENGTH:
        raise SiteRejected("Unknown site key.", field="site")
    now = time.monotonic()
    cached = _sites.get(key)
    if cached is None or cached[0] < now:
        row = CaptureSite.objects.filter(public_key=key, is_active=True).first()
        snapshot = None if row is None else _snapshot(row)
        if len(_sites) > 10_000:  # random keys must not grow the cache without bound
            _sites.clear()
        _sites[key] = (now + SITE_CACHE_SECONDS, snapshot)
        cached = _sites[key]
    if cached[1] is None:
        raise SiteRejected("Unknown or inactive site key.", field="site")
    return cached[1]


def _snapshot(row: CaptureSite) -> SiteSnapshot:
    return SiteSnapshot(
        id=row.pk,
        public_key=row.public_key,
        allowed_origins=frozenset(origin_normalise(o) for o in row.allowed_origins or []),
        default_phone_region=(row.default_phone_region or "").upper(),
        double_opt_in=row.double_opt_in,
        requires_cookie_consent=row.requires_cookie_consent,
    )


def origin_normalise(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped, as browsers send it."""
    parts = urlsplit(str(origin).strip().lower())
    if not parts.scheme or not parts.hostname:
        return str(origin).strip().lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{netloc}"


def origin_check(site: SiteSnapshot, origin: str | None) -> None:
    """Allow requests without an Origin header (server-to-server); refuse unlisted origins."""
    if origin is None:
        return
    if origin_normalise(origin) not in site.allowed_origins:
        raise OriginNotAllowed(
            f"The origin {origin!r} is not allowed for this site key.", field="origin"
        )


def origin_allowed_anywhere(origin: str) -> bool:
    """Whether any active site lists this origin (for preflights that carry no site key)."""
    now = time.monotonic()
    if not _all_origins or _all_origins[0][0] < now:
        origins = frozenset(
            origin_normalise(o)
            for listed in CaptureSite.objects.filter(is_active=True).values_list(
                "allowed_origins", flat=True
            )
            for o in (listed or [])
        )
        _all_origins[:] = [(now + SITE_CACHE_SECONDS, origins)]
    return origin_normalise(origin) in _all_origins[0][1]


def redirect_allowed(site: SiteSnapshot, url: str) -> bool:
    """A post-submit redirect may only lead back to one of the site's own origins."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return origin_normalise(f"{parts.scheme}://{parts.netloc}") in site.allowed_origins
