"""Webhook settings pages (administrators only): endpoints, their delivery log, redelivery.

Each view: check the role, fetch, call one service, render. A new or rotated secret is
rendered in the response to the POST that made it — never put in a URL or the session — so it
is shown exactly once.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks import services
from accord.integrations.webhooks.forms import WebhookEndpointForm
from accord.ui.paging import paged

DELIVERIES_PER_PAGE = 50
PAYLOAD_PREVIEW_CHARS = 300


admin_required = policy.page_required("webhooks")


def _form_error(form: WebhookEndpointForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@admin_required
def endpoint_list(request: PageRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.order_by("pk")
    return render(request, "integrations/webhooks/endpoint_list.html", {"endpoints": endpoints})


@admin_required
def endpoint_create(request: PageRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return render(
                request,
                "integrations/webhooks/secret.html",
                {"endpoint": endpoint, "secret": secret, "created": True},
            )
    return render(request, "integrations/webhooks/endpoint_form.html", {"form": form})


@admin_required
def endpoint_edit(request: PageRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                endpoint_id=endpoint.pk,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The endpoint was saved."))
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    return render(
        request, "integrations/webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint}
    )


@admin_required
def endpoint_detail(request: PageRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk")
    status = request.GET.get("status") or ""
    statuses = WebhookDelivery.Status
    if status in statuses.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    listed = paged(request, deliveries, per_page=DELIVERIES_PER_PAGE)
    rows = [_delivery_row(delivery) for delivery in listed.rows]
    context = {
        "endpoint": endpoint,
        "listed": listed,
        "rows": rows,
        "status": status,
        "statuses": statuses.choices,
    }
    return render(request, "integrations/webhooks/endpoint_detail.html", context)


def _delivery_row(delivery: WebhookDelivery) -> dict:
    preview = delivery.body
    if len(preview) > PAYLOAD_PREVIEW_CHARS:
        preview = preview[:PAYLOAD_PREVIEW_CHARS] + "…"
    return {"delivery": delivery, "preview": preview}


@admin_required
@require_POST
def endpoint_toggle(request: PageRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if endpoint.is_active:
        services.webhook_endpoint_disable(
            endpoint_id=endpoint.pk, reason=_("Disabled by %(user)s.") % {"user": request.user}
        )
        messages.success(request, _("The endpoint was disabled."))
    else:
        services.webhook_endpoint_enable(endpoint_id=endpoint.pk)
        messages.success(request, _("The endpoint was enabled."))
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@admin_required
@require_POST
def endpoint_rotate_secret(request: PageRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    secret = services.webhook_endpoint_secret_rotate(endpoint_id=endpoint.pk)
    return render(
        request,
        "integrations/webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "created": False},
    )


@admin_required
@require_POST
def delivery_redeliver(request: PageRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    try:
        delivery = services.webhook_delivery_redeliver(delivery_id=delivery.pk)
    except DomainError as error:
        error_message = error.message
    else:
        error_message = ""
    if request.htmx:
        # Replace just this row of the log.
        return render(
            request,
            "integrations/webhooks/delivery_row.html",
            {"row": _delivery_row(delivery), "error": error_message},
        )
    if error_message:
        messages.error(request, error_message)
    else:
        messages.success(request, _("The delivery was queued again."))
    return redirect("webhooks:endpoint_detail", endpoint_id=delivery.endpoint_id)
