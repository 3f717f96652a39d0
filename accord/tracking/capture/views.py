"""The public capture endpoints (no login, CSRF-exempt): parse, check, one service call, answer.

Checks run cheapest first and before anything is written: body size and syntax, site key,
origin, rate limit, honeypot, fields. A filled honeypot gets the same answer as a success
(so bots learn nothing) and writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accord.accounts.shopper_tokens import shopper_token_check
from accord.core.errors import DomainError, InvalidInput
from accord.tracking.capture.cors import cors_allow, preflight_response
from accord.tracking.capture.errors import OriginNotAllowed
from accord.tracking.capture.parsing import payload_read
from accord.tracking.capture.ratelimit import client_ip, rate_limit_hit
from accord.tracking.capture.responses import accepted_response, error_response, wants_html
from accord.tracking.capture.services import lead_submission_accept, page_event_record
from accord.tracking.capture.sites import (
    origin_allowed_anywhere,
    origin_check,
    redirect_allowed,
    site_get,
)
from accord.tracking.capture.validation import (
    honeypot_filled,
    lead_submission_parse,
    page_event_parse,
)

logger = logging.getLogger(__name__)
SNIPPET_PATH = Path(__file__).resolve().parent.parent / "static" / "tracking" / "t.js"
SNIPPET_MAX_AGE = 3600


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def lead_capture(request: HttpRequest) -> HttpResponse:
    origin = request.META.get("HTTP_ORIGIN")
    if request.method == "OPTIONS":
        return _preflight(request, origin)
    readable_by: str | None = None
    html = False
    try:
        payload = payload_read(request)
        html = wants_html(request, is_form=payload.is_form)
        site = site_get(request.GET.get("site") or payload.data.get("site"))
        origin_check(site, origin)
        readable_by = origin
        rate_limit_hit(
            scope="lead",
            site_key=site.public_key,
            ip=client_ip(request),
            spec=settings.CAPTURE_RATE_LIMIT,
        )
        if honeypot_filled(payload.data):
            logger.info("Capture: honeypot filled on site %s; nothing written", site.id)
            redirect = payload.data.get("redirect")
            redirect = redirect if isinstance(redirect, str) else ""
            redirect = redirect if redirect_allowed(site, redirect) else ""
            return cors_allow(accepted_response(request, html=html, redirect=redirect), origin)
        submission = lead_submission_parse(
            payload.data, is_form=payload.is_form, default_region=site.default_phone_region
        )
        if submission.redirect and not redirect_allowed(site, submission.redirect):
            raise InvalidInput(
                "redirect must lead to one of the site's allowed origins.", field="redirect"
            )
        if submission.consent_given:  # the consent ledger keeps where it came from
            submission = replace(submission, source_ip=client_ip(request))
        if submission.test_lead_token:  # before anything is written
            shopper_token_check(submission.test_lead_token)
        lead_submission_accept(site=site, submission=submission)
    except DomainError as error:
        return cors_allow(error_response(request, error, html=html), readable_by)
    response = accepted_response(request, html=html, redirect=submission.redirect)
    return cors_allow(response, readable_by)


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def event_capture(request: HttpRequest) -> HttpResponse:
    origin = request.META.get("HTTP_ORIGIN")
    if request.method == "OPTIONS":
        return _preflight(request, origin)
    readable_by: str | None = None
    try:
        payload = payload_read(request)
        if payload.is_form:
            raise InvalidInput("Events are sent as JSON.", field="content_type")
        site = site_get(request.GET.get("site") or payload.data.get("site"))
        origin_check(site, origin)
        readable_by = origin
        rate_limit_hit(
            scope="event",
            site_key=site.public_key,
            ip=client_ip(request),
            spec=settings.CAPTURE_EVENT_RATE_LIMIT,
        )
        event = page_event_parse(payload.data)
        if site.requires_cookie_consent and payload.data.get("consent") is not True:
            # The snippet sends nothing before consent on such a site (accord.privacy).
            raise InvalidInput("This site records visits only after consent.", field="consent")
        page_event_record(site=site, event=event)
    except DomainError as error:
        return cors_allow(error_response(request, error, html=False), readable_by)
    return cors_allow(HttpResponse(status=204), readable_by)


def _preflight(request: HttpRequest, origin: str | None) -> HttpResponse:
    try:
        if not origin:
            raise OriginNotAllowed("A preflight request needs an Origin header.", field="origin")
        key = request.GET.get("site")
        if key:
            origin_check(site_get(key), origin)
        elif not origin_allowed_anywhere(origin):
            raise OriginNotAllowed(
                f"The origin {origin!r} is not allowed by any site.", field="origin"
            )
    except DomainError as error:
        return error_response(request, error, html=False)
    return preflight_response(origin)


@cache
def _snippet() -> tuple[bytes, str]:
    body = SNIPPET_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@require_GET
def snippet(request: HttpRequest) -> HttpResponse:
    """The tracking script. A plain ``<script src>`` needs no CORS; it is cached for an hour
    (its URL is pasted into other sites, so it cannot carry a content hash) and revalidated
    by ETag."""
    body, etag = _snippet()
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SNIPPET_MAX_AGE}"
    # Pages that isolate themselves (COEP) may still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
