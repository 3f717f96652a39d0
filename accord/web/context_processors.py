"""Template context shared by every page: the navigation the current role may see."""

from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"nav_items": []}
