"""Template context shared by every page: the navigation the current role may see."""

from __future__ import annotations

from django.http import HttpRequest

from accord.web.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    user = getattr(request, "user", None)
    return {"nav_items": nav_items_for(user, current) if user is not None else []}
