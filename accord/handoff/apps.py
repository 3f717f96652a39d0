from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "accord.handoff"
    label = "handoff"
    verbose_name = _("Hand-off")

    def ready(self) -> None:
        # Registers the hand-off's webhook events (lead.assigned, sla.breached, ...).
        from accord.handoff import notifications  # noqa: F401
