"""The forecast page's calls: a rep's weekly submission and a manager's adjustment, both
through ``accord.pipeline.forecast.services`` (which check the policy and validate).

``POST /reports/forecast/submit/`` and ``POST /reports/forecast/adjust/`` redirect back to the
page on success; on a refusal of the input they show the page again with the form's errors
(422)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy.roles import is_admin, is_manager, manages_team
from accord.core.errors import PermissionDenied
from accord.pipeline.forecast.periods import period_label, period_next, period_start, week_start
from accord.pipeline.forecast.selectors import submissions_visible
from accord.pipeline.models import ForecastSubmission

KIND_LABELS = {"quarter": _("Quarter"), "month": _("Month")}


def _money(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, help_text=help_text, min_value=0, max_digits=16,
        decimal_places=2,
    )  # fmt: skip


def _label(kind: str, start: date) -> str:
    return f"{KIND_LABELS[kind]} {period_label(start, kind)}"


def period_choices(today: date) -> list[tuple[str, str]]:
    """This and next quarter and month, as ``kind:start`` values."""
    choices = []
    for kind in ("quarter", "month"):
        current = period_start(today, kind)
        for start in (current, period_next(current, kind)):
            choices.append((f"{kind}:{start.isoformat()}", _label(kind, start)))
    return choices


class SubmitForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    commit = _money(_("Commit"), required=False, help_text=_("Empty: your deals' roll-up."))
    best_case = _money(_("Best case"), required=False, help_text=_("Empty: your deals' roll-up."))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(today)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        commit, best = cleaned.get("commit"), cleaned.get("best_case")
        if commit is not None and best is not None and best < commit:
            self.add_error("best_case", _("Best case cannot be below commit."))
        return cleaned

    def chosen_period(self) -> tuple[str, date]:
        kind, start = self.cleaned_data["period"].split(":")
        return kind, date.fromisoformat(start)


class AdjustForm(forms.Form):
    """One submission's adjustment; prefixed ``s<id>`` (the row posts ``submission=<id>``)."""

    commit = _money(_("Commit"))
    best_case = _money(_("Best case"))
    reason = forms.CharField(label=_("Why"), max_length=2000)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        commit, best = cleaned.get("commit"), cleaned.get("best_case")
        if commit is not None and best is not None and best < commit:
            self.add_error("best_case", _("Best case cannot be below commit."))
        return cleaned


@dataclass(frozen=True)
class AdjustRow:
    submission: ForecastSubmission
    period: str
    form: AdjustForm


def adjustable(user: User, *, today: date, bound: AdjustForm | None = None) -> list[AdjustRow]:
    """The latest submissions (of the last two weeks) of the reps the caller may adjust."""
    if not is_manager(user):
        return []
    since = week_start(today) - timedelta(days=7)
    rows = (
        submissions_visible(own=None)
        .filter(week_start__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("-week_start", "user__username", "period_kind", "period_start")
    )
    found = []
    for sub in rows[:200]:
        if not (is_admin(user) or manages_team(user, sub.user.team_id)):
            continue
        latest = sub.adjustments.all()
        last = max(latest, key=lambda a: a.at) if latest else None
        if bound is not None and bound.prefix == f"s{sub.pk}":
            form = bound
        else:
            form = AdjustForm(initial={
                "commit": last.commit if last else sub.commit,
                "best_case": last.best_case if last else sub.best_case,
            }, prefix=f"s{sub.pk}")  # fmt: skip
        found.append(AdjustRow(sub, _label(sub.period_kind, sub.period_start), form))
        if len(found) >= 30:
            break
    return found


def calls_context(
    user: User, *, submit: SubmitForm | None = None, adjust: AdjustForm | None = None
) -> dict[str, Any]:
    """What the page shows of the calls: the submit form, this week's own submissions and
    the submissions the caller may adjust."""
    today = timezone.localdate()
    can_submit = True
    try:
        policy.forecast_submit_require(policy.principal_for(user))
    except PermissionDenied:
        can_submit = False
    mine = list(
        ForecastSubmission.objects.filter(user=user, week_start=week_start(today)).order_by(
            "period_kind", "period_start"
        )
    )
    return {
        "submit_form": submit or SubmitForm(today=today),
        "can_submit": can_submit,
        "my_week": [(s, _label(s.period_kind, s.period_start)) for s in mine],
        "adjust_rows": adjustable(user, today=today, bound=adjust),
    }
