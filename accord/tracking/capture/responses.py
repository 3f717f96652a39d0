"""What the capture endpoints answer: JSON for scripts, a page or a redirect for plain forms."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string

from accord.core.errors import DomainError
from accord.tracking.capture.errors import RateLimited

_ACCEPTED_JSON = b'{"status": "accepted"}'


class _SeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so a reload never re-posts the form.
    status_code = 303


def wants_html(request: HttpRequest, *, is_form: bool) -> bool:
    """A person submitting a plain HTML form (the browser asks for text/html)."""
    return is_form and "text/html" in request.META.get("HTTP_ACCEPT", "")


def error_response(request: HttpRequest, error: DomainError, *, html: bool) -> HttpResponse:
    if html:
        # "Go back" links to the form's page (no javascript: URL, which the CSP forbids).
        referer = request.META.get("HTTP_REFERER", "")
        back_url = referer if referer.startswith(("https://", "http://")) else ""
        body = render_to_string(
            "tracking/capture_error.html",
            {"message": error.message, "back_url": back_url},
            request=request,
        )
        response: HttpResponse = HttpResponse(body, status=error.status)
    else:
        response = JsonResponse({"error": error.as_dict()}, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def accepted_response(request: HttpRequest, *, html: bool, redirect: str = "") -> HttpResponse:
    if redirect:
        return _SeeOther(redirect)
    if html:
        return HttpResponse(render_to_string("tracking/capture_thanks.html", request=request))
    # The same bytes every time: no JSON encoding per submission.
    return HttpResponse(_ACCEPTED_JSON, content_type="application/json", status=202)
