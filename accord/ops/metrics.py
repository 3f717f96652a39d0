"""Prometheus metrics: per-process request figures plus gauges read from the database.

Two kinds, because Accord runs as several processes (Granian's workers, on several nodes):

- **Counters and histograms** (request latency by route name, capture accepted/refused) live
  in each web process. With ``PROMETHEUS_MULTIPROC_DIR`` set (``accord serve`` sets it to a
  fresh directory under the var directory unless given one) prometheus-client's
  multiprocess mode keeps them in small memory-mapped files, one per process, and a scrape
  of any process of the node sums them all. Without it (tests, ``runserver``) they are
  ordinary in-memory metrics.
- **Gauges of shared state** (outbox depth, job lag, sync age, SLA clocks due, jobs due) are
  computed from the database at scrape time (``DatabaseCollector``), not kept in processes:
  the state lives in the database, so every node's scrape gives the same, current figure and
  no process can hold a stale or orphaned value (multiprocess gauges need per-process
  modes and clean-up of dead processes). A few indexed counts per scrape.

Scraping several nodes therefore gives each node's request figures (sum them in PromQL) and
the same shared gauges from each (take ``max`` over instances).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from accord.ops import health

logger = logging.getLogger(__name__)
# No "_created" series: they double the output and Prometheus derives resets itself.
disable_created_metrics()

REQUEST_SECONDS = Histogram(
    "accord_http_request_duration_seconds",
    "Time to answer a request, by route name (not path), method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CAPTURE_SUBMISSIONS = Counter(
    "accord_capture_submissions_total",
    "Public capture requests (form leads and events), accepted or refused, by status code.",
    ["endpoint", "outcome", "status"],
)
CONTENT_TYPE = CONTENT_TYPE_LATEST
_CAPTURE_ROUTES = {"capture:lead": "lead", "capture:event": "event"}


#: Label children by (route, method, status): ``labels()`` costs ~20 µs a call, this ~0.1.
#: Bounded by routes x methods x statuses seen.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status)
    found = _children.get(key)
    if found is None:
        timing = REQUEST_SECONDS.labels(route, method, f"{status // 100}xx")
        endpoint = _CAPTURE_ROUTES.get(route) if method == "POST" else None
        outcome = "accepted" if status < 400 else "refused"
        capture = CAPTURE_SUBMISSIONS.labels(endpoint, outcome, str(status)) if endpoint else None
        found = _children[key] = (timing, capture)
    found[0].observe(seconds)
    if found[1] is not None:
        found[1].inc()


class DatabaseCollector(Collector):
    """The shared-state gauges, read from the database when scraped."""

    def collect(self) -> Iterator[Metric]:
        try:
            depths = health.outbox_depths()
            lag, due = health.job_lag_seconds(), health.jobs_due()
            age, clocks = health.sync_age_seconds(), health.sla_clocks_due()
            workers = health.worker_nodes_alive()
        except DatabaseError:
            logger.warning("Metrics: the database cannot be read.", exc_info=True)
            yield GaugeMetricFamily("accord_database_up", "1 when the database answers.", 0)
            return
        yield GaugeMetricFamily("accord_database_up", "1 when the database answers.", 1)
        outbox = GaugeMetricFamily(
            "accord_outbox_depth", "Outbox rows waiting to be processed.", labels=["outbox"]
        )
        for name, depth in depths.items():
            outbox.add_metric([name], depth)
        yield outbox
        yield GaugeMetricFamily(
            "accord_job_lag_seconds", "How long the oldest due job has waited to be taken.", lag
        )
        yield GaugeMetricFamily("accord_jobs_due", "Jobs due and not yet taken by a worker.", due)
        if age is not None:  # absent before the first sync
            yield GaugeMetricFamily(
                "accord_analytics_sync_age_seconds",
                "Seconds since the analytics sync last finished.",
                age,
            )
        yield GaugeMetricFamily(
            "accord_sla_clocks_due", "Running SLA clocks whose deadline has passed.", clocks
        )
        yield GaugeMetricFamily(
            "accord_worker_nodes_alive", "Worker nodes whose heartbeat is fresh.", workers
        )


def exposition() -> bytes:
    """The text a scrape gets: this node's processes' figures plus the database gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _Forward(Collector):
    """The process's default registry (single-process mode) inside a per-scrape registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        yield from self._source.collect()
