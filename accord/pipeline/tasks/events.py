"""The events tasks publish (webhooks offer them: ``integrations.webhooks.events``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

TASK_EVENTS: dict[str, Any] = {
    "task.overdue": _("A task passed its due time without being done"),
}
