"""Pipeline settings pages (/settings/pipelines/): pipelines, their stages, lost reasons.

Administrators and heads of sales (the ``pipelines`` page rule). Every change is a POST that
calls one service and comes back to the page with what happened: a refusal (a stage that
holds deals, a pipeline with deals) is shown as the service words it, naming how many deals
and what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.pipeline import services
from accord.pipeline.models import DealLostReason, ForecastCategory, Pipeline
from accord.pipeline.selectors import lost_reasons
from accord.pipeline.settings_forms import LostReasonForm, PipelineForm, StageForm
from accord.pipeline.settings_pages import pipeline_rows, stage_rows

pipelines_required = policy.page_required("pipelines")


def _attempt(request: PageRequest, run: Callable[[], Any], done: str) -> bool:
    """Run one service call; tell the person what happened (the refusal, as worded)."""
    try:
        run()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, done)
    return True


def _form_errors(request: PageRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@pipelines_required
def pipeline_list(request: PageRequest) -> HttpResponse:
    return render(
        request,
        "pipeline/settings/pipeline_list.html",
        {"rows": pipeline_rows(), "form": PipelineForm()},
    )


@require_POST
@pipelines_required
def pipeline_create(request: PageRequest) -> HttpResponse:
    form = PipelineForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("pipelines:pipeline_list")
    created: list[Pipeline] = []
    ok = _attempt(
        request,
        lambda: created.append(services.pipeline_create(name=form.cleaned_data["name"])),
        _("The pipeline was created with the default stages: rename, add or remove them here."),
    )
    if ok:
        return redirect("pipelines:pipeline_detail", pipeline_id=created[0].pk)
    return redirect("pipelines:pipeline_list")


@require_POST
@pipelines_required
def pipeline_move(request: PageRequest, pipeline_id: int, direction: str) -> HttpResponse:
    ids = list(Pipeline.objects.order_by("order", "pk").values_list("pk", flat=True))
    if pipeline_id in ids:
        i = ids.index(pipeline_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
            _attempt(request, lambda: services.pipelines_reorder(pipeline_ids=ids), _("Moved."))
    return redirect("pipelines:pipeline_list")


@pipelines_required
def pipeline_detail(request: PageRequest, pipeline_id: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    context = {
        "pipeline": pipeline,
        "rows": stage_rows(pipeline),
        "form": PipelineForm(initial={"name": pipeline.name}),
        "stage_form": StageForm(initial={"forecast_category": ForecastCategory.PIPELINE}),
        "categories": ForecastCategory.choices,
    }
    return render(request, "pipeline/settings/pipeline_detail.html", context)


@require_POST
@pipelines_required
def pipeline_edit(request: PageRequest, pipeline_id: int) -> HttpResponse:
    """Rename, make default, archive or restore (the button pressed says which)."""
    get_object_or_404(Pipeline, pk=pipeline_id)
    action = request.POST.get("action", "rename")
    changes: dict[str, Any] = {}
    done = _("The pipeline was saved.")
    if action == "rename":
        form = PipelineForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)
        changes["name"] = form.cleaned_data["name"]
    elif action == "default":
        changes["is_default"], done = True, _("New deals now start in this pipeline.")
    elif action in ("archive", "restore"):
        changes["is_archived"] = action == "archive"
        done = _("Archived: it takes no new deals.") if action == "archive" else _("Restored.")
    _attempt(request, lambda: services.pipeline_update(pipeline_id=pipeline_id, **changes), done)
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@require_POST
@pipelines_required
def pipeline_delete(request: PageRequest, pipeline_id: int) -> HttpResponse:
    get_object_or_404(Pipeline, pk=pipeline_id)
    if _attempt(
        request,
        lambda: services.pipeline_delete(pipeline_id=pipeline_id),
        _("The pipeline was deleted."),
    ):
        return redirect("pipelines:pipeline_list")
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@require_POST
@pipelines_required
def stage_create(request: PageRequest, pipeline_id: int) -> HttpResponse:
    get_object_or_404(Pipeline, pk=pipeline_id)
    form = StageForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.stage_create(pipeline_id=pipeline_id, **form.service_fields()),
            _("The stage was added."),
        )
    else:
        _form_errors(request, form)
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@require_POST
@pipelines_required
def stage_edit(request: PageRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    form = StageForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.stage_update(
                stage_id=stage_id, pipeline_id=pipeline_id, **form.service_fields()
            ),
            _("The stage was saved."),
        )
    else:
        _form_errors(request, form)
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@require_POST
@pipelines_required
def stage_delete(request: PageRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    _attempt(
        request,
        lambda: services.stage_delete(stage_id=stage_id, pipeline_id=pipeline_id),
        _("The stage was deleted."),
    )
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@require_POST
@pipelines_required
def stage_move(
    request: PageRequest, pipeline_id: int, stage_id: int, direction: str
) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    ids = list(
        pipeline.stages.filter(outcome="open").order_by("order", "pk").values_list("pk", flat=True)
    )
    if stage_id in ids:
        i = ids.index(stage_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
            _attempt(
                request,
                lambda: services.stages_reorder(pipeline_id=pipeline_id, stage_ids=ids),
                _("Moved."),
            )
    return redirect("pipelines:pipeline_detail", pipeline_id=pipeline_id)


@pipelines_required
def lost_reason_list(request: PageRequest) -> HttpResponse:
    return render(
        request,
        "pipeline/settings/lost_reasons.html",
        {"reasons": list(lost_reasons()), "form": LostReasonForm()},
    )


@require_POST
@pipelines_required
def lost_reason_create(request: PageRequest) -> HttpResponse:
    form = LostReasonForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.lost_reason_create(label=form.cleaned_data["label"]),
            _("The reason was added."),
        )
    else:
        _form_errors(request, form)
    return redirect("pipelines:lost_reasons")


@require_POST
@pipelines_required
def lost_reason_edit(request: PageRequest, reason_id: int) -> HttpResponse:
    get_object_or_404(DealLostReason, pk=reason_id)
    action = request.POST.get("action", "rename")
    if action in ("retire", "restore"):
        _attempt(
            request,
            lambda: services.lost_reason_update(reason_id=reason_id, is_active=action == "restore"),
            _("Retired: deals keep it, new losses cannot pick it.")
            if action == "retire"
            else _("Restored."),
        )
        return redirect("pipelines:lost_reasons")
    form = LostReasonForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.lost_reason_update(
                reason_id=reason_id, label=form.cleaned_data["label"]
            ),
            _("The reason was saved."),
        )
    else:
        _form_errors(request, form)
    return redirect("pipelines:lost_reasons")
