"""Durable background jobs on django-q2's ORM broker (the queue is a table in our database).

(Skeleton: the worker helper fills this module in.)
"""

from __future__ import annotations


def worker_run(*, processes: int | None = None) -> None:
    from django.core.management import call_command

    call_command("qcluster")
