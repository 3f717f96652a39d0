"""First in MIDDLEWARE: request id, timing, the request log line and metrics; the probes.

The probe and metrics paths are answered here, before any other middleware: a load balancer
asks by the node's address (no ALLOWED_HOSTS name) and over plain HTTP (no HTTPS redirect),
and the answer needs no session, locale or CSP. Their views take no input beyond the bearer
token, so skipping the host check exposes nothing.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accord.ops import metrics, views
from accord.ops.logs import request_id_var

logger = logging.getLogger("accord.request")

_DIRECT: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/health/live": ("ops:health_live", views.health_live),
    "/health/ready": ("ops:health_ready", views.health_ready),
    "/metrics": ("ops:metrics", views.metrics_view),
}
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _request_id(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if given and _SANE_ID.fullmatch(given) else os.urandom(16).hex()


class RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _request_id(request)
        token = request_id_var.set(request_id)
        try:
            direct = _DIRECT.get(request.path_info)
            if direct:
                route, view = direct
                response = view(request)
            else:
                response = self.get_response(request)
                match = getattr(request, "resolver_match", None)
                route = match.view_name if match else "unmatched"
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            metrics.request_observe(
                route=route, method=request.method or "", status=response.status_code,
                seconds=seconds,
            )  # fmt: skip
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %s %.1f ms", request.method, route, response.status_code,
                    seconds * 1000,
                    extra={"route": route, "method": request.method,
                           "status": response.status_code,
                           "duration_ms": round(seconds * 1000, 1)},
                )  # fmt: skip
            return response
        finally:
            request_id_var.reset(token)
