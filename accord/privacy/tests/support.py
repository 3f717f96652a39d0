"""Shared helpers of the privacy tests: a person with a journey, queued jobs run."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_q.models import OrmQ

from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, site_make

__all__ = ["LEAD_URL", "ORIGIN", "capture_post", "jobs_run", "site_make"]


def capture_post(client, site, **fields):
    body = {"site": site.public_key, **fields}
    return client.post(LEAD_URL, body, HTTP_ORIGIN=ORIGIN, REMOTE_ADDR="203.0.113.7")


def jobs_run(capture_on_commit, *, func_suffix: str = "") -> int:
    """Run (and remove) the queued jobs whose function ends with ``func_suffix``."""
    ran = 0
    for row in list(OrmQ.objects.order_by("pk")):
        task = row.task
        if not task["func"].endswith(func_suffix):
            continue
        with capture_on_commit(execute=True):
            import_string(task["func"])(*task.get("args", ()), **task.get("kwargs", {}))
        row.delete()
        ran += 1
    return ran
