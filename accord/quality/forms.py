"""Forms of the review and audit pages (they check shapes; the services check meaning)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import Role, User
from accord.quality.models import AuditTemplate
from accord.tracking.models import Channel

DATE = forms.DateInput(attrs={"type": "date"})


def sales_people() -> list[User]:
    people = User.objects.filter(is_active=True, role__in=(Role.SALES, Role.MANAGER, Role.ADMIN))
    return [u for u in people.order_by("username") if policy.rater_eligible(u)]


class ReviewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    period_start = forms.DateField(label=_("Hand-offs from"), widget=DATE)
    period_end = forms.DateField(label=_("Hand-offs to"), widget=DATE)
    per_channel = forms.IntegerField(
        label=_("Leads per channel"), min_value=1, max_value=200, initial=5
    )
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels (none chosen: every channel)"),
        queryset=Channel.objects.order_by("name"),
        required=False,
    )
    raters = forms.TypedMultipleChoiceField(label=_("Raters"), coerce=int)
    overlap_pct = forms.IntegerField(
        label=_("Rated by two people (%)"), min_value=0, max_value=100, initial=20
    )
    due_date = forms.DateField(label=_("Due"), widget=DATE)
    seed = forms.IntegerField(
        label=_("Sampling seed (optional: the same seed draws the same sample)"),
        min_value=0,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raters = self.fields["raters"]
        assert isinstance(raters, forms.TypedMultipleChoiceField)
        raters.choices = [(u.pk, str(u)) for u in sales_people()]
        if not self.is_bound:
            today = timezone.localdate()
            end = today.replace(day=1) - timedelta(days=1)
            self.initial.update(
                period_start=end.replace(day=1),
                period_end=end,
                due_date=today + timedelta(days=14),
            )


class RateForm(forms.Form):
    # A blank first choice: an unrated lead must not look rated 1 (or be saved so by mistake).
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[("", "—"), *((i, str(i)) for i in range(1, 6))]
    )
    reason = forms.ChoiceField(label=_("Reason"))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args: Any, reasons: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", "—"), *reasons]


class TemplateForm(forms.Form):
    ITEMS = 8
    name = forms.CharField(label=_("Name"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(self.ITEMS):
            self.fields[f"label_{index}"] = forms.CharField(
                label=_("Item %(n)d") % {"n": index + 1}, max_length=200, required=False
            )
            self.fields[f"weight_{index}"] = forms.IntegerField(
                label=_("Weight of item %(n)d") % {"n": index + 1},
                min_value=1,
                max_value=10,
                initial=1,
                required=False,
            )

    def items(self) -> list[tuple[str, int]]:
        data = self.cleaned_data
        return [
            (data[f"label_{i}"], data[f"weight_{i}"] or 1)
            for i in range(self.ITEMS)
            if data.get(f"label_{i}")
        ]

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"label_{i}"], self[f"weight_{i}"]) for i in range(self.ITEMS)]


OUTCOMES = (("pass", _("Pass")), ("fail", _("Fail")), ("na", _("Not applicable")))


class AuditForm(forms.Form):
    rep = forms.TypedChoiceField(label=_("Rep audited"), coerce=int)
    lead = forms.IntegerField(label=_("Lead id (the test lead, if any)"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    counts_in_sla = forms.BooleanField(
        label=_("Count this lead in the rep's SLA statistics"),
        required=False,
        help_text=_(
            "A test lead is otherwise left out of them. Counted, it enters the rep's response "
            "times, speed to lead per rep and team, and the SLA breach figures — never the "
            "funnel, KPIs or attribution."
        ),
    )
    coaching = forms.CharField(label=_("Coaching to do"), max_length=500, required=False)
    coaching_owner = forms.TypedChoiceField(
        label=_("Coaching owner"), coerce=int, required=False, empty_value=None
    )
    coaching_due = forms.DateField(label=_("Coaching due"), required=False, widget=DATE)

    def __init__(self, *args: Any, template: AuditTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [(u.pk, str(u)) for u in sales_people()]
        rep = self.fields["rep"]
        owner = self.fields["coaching_owner"]
        assert isinstance(rep, forms.TypedChoiceField)
        assert isinstance(owner, forms.TypedChoiceField)
        # The audited: sales reps (a manager's handling is not what a mystery shopper checks).
        rep.choices = [(u.pk, str(u)) for u in sales_people() if u.role == Role.SALES]
        owner.choices = [("", _("the rep audited")), *people]
        self.item_names: list[tuple[str, str, int]] = []
        for item in template.items.all():
            name = f"item_{item.pk}"
            self.fields[name] = forms.ChoiceField(
                label=item.label, choices=OUTCOMES, widget=forms.RadioSelect
            )
            self.item_names.append((name, item.label, item.weight))

    def results(self) -> dict[int, str]:
        return {
            int(name.removeprefix("item_")): self.cleaned_data[name]
            for name, _label, _weight in self.item_names
        }

    def item_fields(self) -> list[tuple[forms.BoundField, int]]:
        return [(self[name], weight) for name, _label, weight in self.item_names]
