"""The weekly digest's pages: the latest digest, the history, one week's digest with its
minutes (agenda items and decisions), and its charts. Heads and administrators only
(``policy`` page ``digest``): the digest names reps (SLA breaches, audit scores)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.digest import charts, selectors, services
from accord.digest.forms import AgendaForm, DecisionForm
from accord.digest.labels import sla_labelled
from accord.digest.models import Digest

heads = policy.page_required("digest")


def _page(request: PageRequest, digest: Digest | None, **forms: object) -> HttpResponse:
    context: dict[str, object] = {
        "digest": digest,
        "agenda_form": forms.get("agenda_form") or AgendaForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
    }
    if digest is not None:
        context.update(
            c=digest.content,
            sla=sla_labelled(digest.content),
            minutes=selectors.minutes_of(digest),
            is_latest=digest == selectors.latest(),
        )
    return render(request, "digest/detail.html", context)


@heads
def digest_latest(request: PageRequest) -> HttpResponse:
    return _page(request, selectors.latest())


@heads
def digest_history(request: PageRequest) -> HttpResponse:
    return render(request, "digest/history.html", {"digests": selectors.history()})


@heads
def digest_detail(request: PageRequest, digest_id: int) -> HttpResponse:
    return _page(request, get_object_or_404(Digest, pk=digest_id))


@require_POST
@heads
def agenda_add(request: PageRequest, digest_id: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=digest_id)
    form = AgendaForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_item_add(
                by=request.user, digest_id=digest.pk, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Agenda item added."))
            return redirect("digest:detail", digest_id=digest.pk)
    return _page(request, digest, agenda_form=form)


@require_POST
@heads
def decision_add(request: PageRequest, digest_id: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=digest_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_add(
                by=request.user,
                digest_id=digest.pk,
                text=data["text"],
                owner_id=data["owner"].pk,
                due_date=data["due_date"],
            )
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            messages.success(request, _("Decision recorded as a task of its owner."))
            return redirect("digest:detail", digest_id=digest.pk)
    return _page(request, digest, decision_form=form)


@require_POST
@heads
def decision_close(request: PageRequest, decision_id: int) -> HttpResponse:
    try:
        item = services.decision_close(by=request.user, item_id=decision_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("digest:latest")
    messages.success(request, _("Decision closed."))
    back = request.POST.get("digest")
    return redirect(
        "digest:detail", digest_id=int(back) if back and back.isdigit() else item.digest_id
    )


@heads
def chart(request: PageRequest, digest_id: int, chart: str) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=digest_id)
    if chart not in charts.CHARTS or not digest.content.get("funnel"):
        raise Http404(chart)
    # The chart's words are in a language, and the browser keeps it for an hour: the page
    # names the language in the chart's address (``?lang=``), so switching language asks for
    # another address instead of showing the cached chart in the old language.
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = get_language()
    with override(language):
        png = charts.chart_png(digest.content, chart)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
