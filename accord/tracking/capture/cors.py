"""CORS for the capture endpoints: only a site's allowed origins may read our answers.

Requests without an ``Origin`` header (server-to-server posts, curl) are allowed; browsers
always send ``Origin`` on cross-origin POSTs, so a page on an unlisted site is refused.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

PREFLIGHT_MAX_AGE = 86400


def cors_allow(response: HttpResponse, origin: str | None) -> HttpResponse:
    """Mark ``response`` readable by ``origin`` (already checked against the allow-list)."""
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ("Origin",))
    return response


def preflight_response(origin: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return cors_allow(response, origin)
