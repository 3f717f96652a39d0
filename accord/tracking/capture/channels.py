"""The channel resolver of each capture site, kept per process for a short while.

Loading the resolver reads every channel and channel rule (two queries); on the capture hot
path that is done once per site and process every ``RESOLVER_CACHE_SECONDS``, so an edited
channel rule applies to captured touches within that delay. The site's own hosts are passed,
so a visitor moving between the site's pages is not counted as a referral.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from accord.tracking.capture.sites import SiteSnapshot
from accord.tracking.channels.grouping import ChannelResolver, channel_resolver_load

RESOLVER_CACHE_SECONDS = 30.0
_resolvers: dict[str, tuple[float, ChannelResolver]] = {}


def resolver_cache_clear() -> None:
    _resolvers.clear()


def site_channel_resolver(site: SiteSnapshot) -> ChannelResolver:
    now = time.monotonic()
    cached = _resolvers.get(site.public_key)
    if cached is None or cached[0] < now:
        own_hosts = {urlsplit(origin).hostname or "" for origin in site.allowed_origins}
        resolver = channel_resolver_load(own_hosts=sorted(h for h in own_hosts if h))
        cached = _resolvers[site.public_key] = (now + RESOLVER_CACHE_SECONDS, resolver)
    return cached[1]
