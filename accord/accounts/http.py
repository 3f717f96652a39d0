"""The request a signed-in page receives, typed for what Accord's middleware guarantees.

Django types ``request.user`` as ``User | AnonymousUser`` and knows nothing of django-htmx's
``request.htmx``. Behind ``policy.page_required`` the user is signed in, and the htmx middleware
runs on every request, so views annotate ``request: PageRequest`` and mypy checks what they do
with both (django-htmx recommends the same subclass for the same reason).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accord.accounts.models import User


class PageRequest(HttpRequest):
    user: User  # narrowed: page_required signed the user in
    htmx: HtmxDetails
