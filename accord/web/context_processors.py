"""Template context shared by every page: the navigation the current role may see, and the
header bell's unread count."""

from __future__ import annotations

import functools

from django.http import HttpRequest

from accord.handoff.notifications import unread_count
from accord.web.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    user = getattr(request, "user", None)
    return {"nav_items": nav_items_for(user, current) if user is not None else []}


def notification_bell(request: HttpRequest) -> dict[str, object]:
    """``notifications_unread``: counted only if a template shows it (the header of a full
    page), once per render — htmx partials and pages without the header cost no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": functools.cache(lambda: unread_count(user_id=user.pk))}
