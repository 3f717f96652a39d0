"""Operating Accord: health and readiness probes, Prometheus metrics, request logs.

Nothing here writes business data. ``health`` reads the operational tables directly (the
job queue, the outboxes, the SLA clocks, the sync job's last run) so that every web node,
whatever disk it runs on, answers the same; ``metrics`` exposes those readings and the
per-process request figures; ``middleware`` times and logs each request and answers the
probes before host validation and the HTTPS redirect.
"""
