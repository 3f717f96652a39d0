"""Words for the codes a digest's snapshot stores (clock kinds, how a breached clock ended),
in the reader's language: the snapshot keeps codes, the page and the e-mail show labels."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accord.handoff.models import ClockKind

#: How a breached SLA clock ended (the stop reasons of ``handoff.sla.clocks``).
ENDINGS = {
    "still_running": _("still running"),
    "accepted": _("accepted late"),
    "rejected": _("rejected late"),
    "attempt_logged": _("first attempt logged late"),
    "qualified": _("qualified"),
    "reassigned": _("reassigned"),
    "stopped": _("stopped"),
}


def sla_labelled(content: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    sla = content.get("sla", {})
    kinds = dict(ClockKind.choices)
    return {
        "kinds": [(str(kinds.get(k, k)), n) for k, n in sla.get("by_kind", [])],
        "endings": [(str(ENDINGS.get(r, r)), n) for r, n in sla.get("by_reason", [])],
    }
