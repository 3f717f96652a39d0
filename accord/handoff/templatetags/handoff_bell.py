"""``{% notification_bell %}``: the header's bell with the unread count."""

from __future__ import annotations

from django import template

from accord.handoff.notifications import unread_count

register = template.Library()


@register.inclusion_tag("handoff/includes/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"user": None, "unread": 0}
    return {"user": user, "unread": unread_count(user_id=user.pk)}
