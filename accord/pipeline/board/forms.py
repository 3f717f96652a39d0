"""The board's move and close forms. A move names the stage and the deal's version the card
was drawn with; winning asks for the amount and the close date, losing for a reason from the
editable list (and, optionally, the competitor)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.pipeline.board.labels import lost_reason_label
from accord.pipeline.models import Deal, DealLostReason


class _DateInput(forms.DateInput):
    input_type = "date"


class MoveForm(forms.Form):
    #: A stage button (previous/next) names its stage here; the select below otherwise.
    to = forms.CharField(required=False, max_length=40)
    to_stage = forms.CharField(label=_("Move to"), required=False, max_length=40)
    version = forms.IntegerField(min_value=1)
    #: The board's filters, to draw it again as the reader had it.
    query = forms.CharField(required=False, max_length=2000)
    #: Set by the close form: the won/lost details below were asked.
    confirm = forms.BooleanField(required=False)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    close_date = forms.DateField(label=_("Close date"), required=False, widget=_DateInput)
    lost_reason = forms.ChoiceField(label=_("Why was it lost?"), required=False)
    competitor = forms.CharField(label=_("Competitor (optional)"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].choices = lost_reason_choices()  # type: ignore[attr-defined]

    @property
    def target(self) -> str:
        data = self.cleaned_data
        return (data.get("to") or data.get("to_stage") or "").strip()


def lost_reason_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (r.key, lost_reason_label(r.key, r.label))
        for r in DealLostReason.objects.filter(is_active=True).order_by("order", "pk")
    ]


def close_form(deal: Deal, to_stage: str, query: str, data: Any = None) -> MoveForm:
    """The won/lost dialog's form, filled with what the deal already knows."""
    initial = {
        "to_stage": to_stage,
        "version": deal.version,
        "query": query,
        "confirm": True,
        "amount": deal.amount,
        "close_date": timezone.localdate(),
        "competitor": deal.competitor,
    }
    return MoveForm(data=data, initial=initial)
