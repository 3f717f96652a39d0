"""The page a locked-out log-in gets (django-axes' ``AXES_LOCKOUT_CALLABLE``).

The log-in page again, with the reason and what to do, answered with 429 so scripts and
monitoring see the throttling; used for /login/ and /admin/login/ alike.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.tracking.capture.ratelimit import client_ip


def login_client_ip(request: HttpRequest) -> str | None:
    """The client address axes records (``AXES_CLIENT_IP_CALLABLE``): the capture limits' rule
    (X-Forwarded-For only from trusted proxies), and None when there is no valid address (a
    request made in code, as by ``force_login``), since the column holds IP addresses only."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "lockout_minutes": minutes,
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "web/login.html", context, status=429)
