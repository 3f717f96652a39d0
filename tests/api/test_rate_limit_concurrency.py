"""Rate limits hold under concurrency: 16 threads against a live server, exactly the limit passes.

Regression: the REST API's limit (150 per 10 s per key) let 390 of 400 requests through
with 16 threads, since ninja's throttle read its counts from the cache and wrote them back.
The counters now increment atomically (``window_hit``); the capture endpoints' per-IP limit
shares them and is checked the same way. Windows are long here (a day and more) so that a
test never straddles two: what is measured is the counting, not the clock.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accord.accounts.api_keys import api_key_create
from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, site_make

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16
REQUESTS = 400


def _statuses(send, count: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(send, range(count)))


def test_api_rate_limit_passes_exactly_the_limit_under_16_threads(live_server, settings):
    settings.ACCORD_API_RATE = "150/100000s"
    _key, raw = api_key_create(name="concurrent", scopes=["*"])
    url = f"{live_server.url}/api/v1/contacts?limit=1"

    def send(_n: int) -> int:
        with requests.Session() as session:
            response = session.get(url, headers={"Authorization": f"Bearer {raw}"}, timeout=60)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
        return response.status_code

    statuses = _statuses(send, REQUESTS)
    assert statuses.count(200) == 150
    assert statuses.count(429) == REQUESTS - 150

    # Another key has its own budget.
    _other, other_raw = api_key_create(name="other", scopes=["*"])
    other = requests.get(url, headers={"Authorization": f"Bearer {other_raw}"}, timeout=60)
    assert other.status_code == 200


def test_capture_rate_limit_passes_exactly_the_limit_under_16_threads(live_server, settings):
    settings.CAPTURE_RATE_LIMIT = "20/100000"
    site = site_make()

    def send(n: int) -> int:
        response = requests.post(
            f"{live_server.url}{LEAD_URL}",
            data={"site": site.public_key, "email": f"burst{n}@example.com"},
            headers={"Origin": ORIGIN},
            timeout=60,
        )
        return response.status_code

    statuses = _statuses(send, 120)
    assert statuses.count(202) == 20
    assert statuses.count(429) == 100
