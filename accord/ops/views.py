"""The probes and the metrics endpoint: public JSON that reveals nothing, and /metrics
behind a bearer token (404 when no token is configured, so it is off by default)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accord.ops import health, metrics


@never_cache
@require_safe
def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers (no database): a load balancer's liveness probe."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def health_ready(request: HttpRequest) -> HttpResponse:
    """200 when this node can serve (database, job lag, sync age), else 503; each check."""
    ready, checks = health.readiness()
    body = {"status": "ok" if ready else "failing", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)


def _token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 403).
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; ``Authorization: Bearer <ACCORD_METRICS_TOKEN>`` required."""
    token = getattr(settings, "ACCORD_METRICS_TOKEN", "")
    if not token:
        return HttpResponse(status=404)
    if not _token_matches(request, token):
        return HttpResponse(status=403)
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
