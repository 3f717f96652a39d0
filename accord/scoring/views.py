"""Scoring admin pages (administrators only): the profiles, and editing one with its rules.
Saving is a two-step flow: the first submit shows how many leads would change grade or MQL
status (under the agreement's MQL definition, shown read-only); the second saves."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.scoring import defaults, profile_checks, profiles, selectors
from accord.scoring.forms import (
    ProfileForm,
    RuleFormSet,
    initial_from_spec,
    spec_from_forms,
)
from accord.scoring.labels import scoring_name_label
from accord.scoring.models import ScoringProfile
from accord.scoring.profile_preview import profile_change_preview

scoring_required = policy.page_required("scoring")


@scoring_required
def profile_list(request: PageRequest) -> HttpResponse:
    rows = [
        {"profile": p, "label": scoring_name_label(p.name), "rules": p.rules.count()}
        for p in ScoringProfile.objects.order_by("name")
    ]
    context = {"rows": rows, "mql": selectors.mql_in_force()}
    return render(request, "scoring/profile_list.html", context)


@scoring_required
def profile_edit(request: PageRequest, profile_id: int | None = None) -> HttpResponse:
    profile = get_object_or_404(ScoringProfile, pk=profile_id) if profile_id else None
    if request.method == "POST":
        form = ProfileForm(request.POST)
        rule_forms = RuleFormSet(request.POST, prefix="rules")
    else:
        spec = profiles.profile_input_of(profile) if profile else _blank_spec()
        initial, rules = initial_from_spec(spec)
        form = ProfileForm(initial=initial)
        rule_forms = RuleFormSet(initial=rules, prefix="rules")
    problems, preview = [], None
    if request.method == "POST" and form.is_valid() and rule_forms.is_valid():
        spec = spec_from_forms(form, rule_forms)
        problems = profiles.profile_problems(spec)
        if not problems:
            try:
                if request.POST.get("action") == "save":
                    saved = profiles.profile_save(
                        spec=spec, profile_id=profile_id, actor=request.user
                    )
                    messages.success(request, _("The scoring profile was saved."))
                    return redirect("scoring:profile_edit", profile_id=saved.pk)
                preview = profile_change_preview(spec=spec, profile_id=profile_id)
            except DomainError as error:
                problems = [profile_checks.Problem(error.field or "", error.message)]
    context = {
        "profile": profile,
        "form": form,
        "rule_forms": rule_forms,
        "problems": problems,
        "preview": preview,
        "fields_known": selectors.fields_in_use(),
        "mql": selectors.mql_in_force(),
    }
    return render(request, "scoring/profile_form.html", context)


def _blank_spec() -> profiles.ProfileInput:
    return profiles.ProfileInput(
        name="",
        half_life_days=defaults.HALF_LIFE_DAYS,
        rules=(),
        grade_a_min=defaults.GRADES["grade_a_min"],
        grade_b_min=defaults.GRADES["grade_b_min"],
        grade_c_min=defaults.GRADES["grade_c_min"],
    )
