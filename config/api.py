"""The one NinjaAPI of Accord, mounted at /api/v1/. Apps contribute routers.

Around every operation: a body-size limit (413), ``Idempotency-Key`` handling on POST
(``accord.api.idempotency``), authentication by API key or session, a per-client
rate limit (429 with ``Retry-After``), and one JSON error shape
``{"error": {"code", "message", "field"}}`` for every failure.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.throttling import AuthRateThrottle

from accord.accounts.policy import page_allowed
from accord.api.auth import ApiKeyAuth, UserSessionAuth
from accord.api.errors import error_body
from accord.api.idempotency import RETENTION, idempotent
from accord.core.errors import DomainError
from accord.tracking.capture.ratelimit import window_hit

# Larger bodies are refused before they are read: 100 records of a batch fit well within.
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_RATE = "150/10s"

DESCRIPTION = f"""
The Accord REST API. Authenticate with an API key (`Authorization: Bearer acc_...`; scopes
`<resource>:<read|write>`, `*:read`, `*`) or, from the Accord UI, with your session.

* **Errors** are JSON: `{{"error": {{"code": ..., "message": ..., "field": ...}}}}`.
* **Idempotency**: send `Idempotency-Key` on any POST. The first response for a key (errors
  included) is stored and replayed, with `Idempotent-Replayed: true`, for the same request;
  the same key with a different body answers 422, and while the first request still runs,
  409. Keys are scoped per API key (or user) and kept for
  {int(RETENTION.total_seconds() // 3600)} hours.
* **Lists** use cursor pagination: pass `next_cursor` back as `cursor`; `limit` is at most 100.
* **Batch** endpoints take up to 100 records and answer per record; each record is written
  in its own savepoint, so one bad record does not undo the others (unlike CSV import, which
  is all-or-nothing).
* **Limits**: bodies up to {MAX_BODY_BYTES // 1024} KiB (413 beyond); each client may make
  {DEFAULT_RATE.replace("/", " requests per ")} by default (429 with `Retry-After` beyond).
"""


class ClientRateThrottle(AuthRateThrottle):
    """Per API key (or user) request rate; ``ACCORD_API_RATE`` in settings overrides it.

    Fixed windows counted atomically in the rate-limit store the capture endpoints use
    (``accord.tracking.capture.ratelimit.window_hit``: a host-local SQLite file shared by every
    web process, or Redis when ``ACCORD_CACHE_URL`` names one). ninja's own throttle kept a
    list of timestamps in Django's cache, read and written back per request: concurrent
    requests overwrote each other's entries, and 390 of 400 requests from 16 threads passed
    a limit of 150.
    """

    def __init__(self) -> None:
        super().__init__(DEFAULT_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        rate = getattr(settings, "ACCORD_API_RATE", DEFAULT_RATE)
        limit, seconds = self.parse_rate(rate)
        if not limit or not seconds:
            return True
        # One instance serves every thread: no per-request state is kept on it.
        count, _window_end = window_hit(key=self.get_cache_key(request), seconds=seconds)
        return count <= limit

    def wait(self) -> float:
        _limit, seconds = self.parse_rate(getattr(settings, "ACCORD_API_RATE", DEFAULT_RATE))
        seconds = seconds or 1
        return max(1.0, seconds - time.time() % seconds)  # until the current window ends

    def get_cache_key(self, request: HttpRequest) -> str:
        principal = request.auth  # type: ignore[attr-defined]
        # The key's random prefix keeps a new key from inheriting a deleted one's counts.
        suffix = principal.key.prefix if principal.key else ""
        return f"throttle_api_{principal.client_id}_{suffix}"


def _signed_in_docs_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document is public; the interactive docs are for people who may use the
    API (the policy's ``api_access`` page: every signed-in role), never anonymous visitors."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.path.endswith("openapi.json"):
            return view(request, *args, **kwargs)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not page_allowed(user, "api_access"):  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


#: Where an endpoint module lived when its operations were first published. Operation ids are
#: part of the API contract (generated clients name their methods after them) and ninja derives
#: them from the module path, which refactors move: a moved module is listed here, so moving
#: code never renames an operation.
OPERATION_HOMES = {
    "accord.handoff.lead.api": "accord.contacts.api",
}


class AccordApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        module = operation.view_func.__module__
        home = OPERATION_HOMES.get(module, module)
        return f"{home.replace('.', '_')}_{operation.view_func.__name__}"


api = AccordApi(
    title="Accord API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[ApiKeyAuth(), UserSessionAuth()],
    throttle=[ClientRateThrottle()],
    docs_url="/docs",
    docs_decorator=_signed_in_docs_only,
)


def _json(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return HttpResponse(
        json.dumps(error_body(code, message, field)), status=status, content_type="application/json"
    )


def body_limited(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse oversized bodies (413) before anything reads them."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _json(400, "invalid_content_length", "Content-Length is not a number.")
        if length > MAX_BODY_BYTES:
            return _json(
                413,
                "body_too_large",
                f"The request body is {length} bytes; the limit is {MAX_BODY_BYTES}.",
            )
        return run(request, *args, **kwargs)

    return wrapper


# The decorator added last runs first: the size check, then idempotency, then the operation.
api.add_decorator(idempotent, mode="view")
api.add_decorator(body_limited, mode="view")


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": error.as_dict()}, status=error.status)


_LOCATIONS = frozenset({"body", "payload", "query", "path", "header", "cookie"})


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    # The field is named as the client sent it: drop where it travelled (body, query, path).
    location = [str(part) for part in first.get("loc", []) if part not in _LOCATIONS]
    body = {
        "error": {
            "code": "invalid",
            "message": first.get("msg", "Invalid request."),
            "field": ".".join(location) or None,
        },
        # pydantic's details may hold values that are not JSON (bytes, exceptions): keep the
        # parts a client needs.
        "errors": [
            {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", ""))}
            for e in error.errors
        ],
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = _json(
        401,
        "not_authenticated",
        "Send a valid API key (Authorization: Bearer acc_...) or sign in.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    return _json(429, "rate_limited", "Too many requests; retry after the Retry-After seconds.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # ninja raises these for bodies it cannot parse (malformed JSON) and the like.
    code = "malformed_request" if error.status_code == 400 else "http_error"
    message = str(error)
    if error.status_code == 400:
        message = f"{message}: send a valid JSON document with Content-Type: application/json."
    return _json(error.status_code, code, message)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _json(404, "not_found", "Not found.")


def _register_routers() -> None:
    from accord.analytics.api import router as reports_router
    from accord.analytics.forecast.api import router as forecast_router
    from accord.contacts.api import accounts_router, contacts_router
    from accord.handoff.api import agreements_router, calendars_router, lead_actions_router
    from accord.handoff.lead.api import router as leads_router
    from accord.intel.api import router as intel_router
    from accord.pipeline.api import activities_router, deals_router
    from accord.pipeline.api_pipelines import router as pipelines_router
    from accord.pipeline.products.api import (
        price_changes_router,
        price_lists_router,
        products_router,
        rates_router,
    )
    from accord.pipeline.products.api_deals import (
        approvals_router,
        bands_router,
        deal_lines_router,
        promotions_router,
    )
    from accord.pipeline.tasks.api import router as tasks_router
    from accord.planning.api import router as plans_router
    from accord.privacy.api import router as consents_router
    from accord.quality.api import audits_router, reviews_router
    from accord.scoring.api import router as scoring_router
    from accord.tracking.api import campaigns_router, spend_router, touchpoints_router

    api.add_router("/contacts", contacts_router)
    api.add_router("/contacts", consents_router)  # the consent ledger (accord.privacy)
    api.add_router("/accounts", accounts_router)
    api.add_router("/leads", leads_router)
    api.add_router("/leads", lead_actions_router)  # accept, reject, attempts, qualify
    api.add_router("/touchpoints", touchpoints_router)
    api.add_router("/campaigns", campaigns_router)
    api.add_router("/spend", spend_router)
    api.add_router("/deals", deals_router)
    api.add_router("/deals", deal_lines_router)  # line items, figures, promotion links
    api.add_router("/activities", activities_router)
    api.add_router("/pipelines", pipelines_router)
    api.add_router("/products", products_router)
    api.add_router("/price-changes", price_changes_router)
    api.add_router("/price-lists", price_lists_router)
    api.add_router("/exchange-rates", rates_router)
    api.add_router("/promotions", promotions_router)
    api.add_router("/discount-approvals", approvals_router)
    api.add_router("/discount-bands", bands_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/scoring", scoring_router)
    api.add_router("/reports", reports_router)
    api.add_router("/forecast", forecast_router)
    api.add_router("/agreements", agreements_router)
    api.add_router("/calendars", calendars_router)
    api.add_router("/plans", plans_router)
    api.add_router("/reviews", reviews_router)
    api.add_router("/audits", audits_router)
    api.add_router("/intel", intel_router)


_register_routers()
