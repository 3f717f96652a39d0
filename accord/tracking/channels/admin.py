"""Django admin for channel rules; every write goes through the channel_grouping services.

Imported by ``accord/tracking/admin.py`` so that admin autodiscovery registers it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accord.core.errors import InvalidInput
from accord.tracking.channels.grouping import (
    channel_rule_create,
    channel_rule_delete,
    channel_rule_update,
    channel_rule_validate,
)
from accord.tracking.models import ChannelRule


class ChannelRuleForm(forms.ModelForm):
    class Meta:
        model = ChannelRule
        fields = ["position", "field", "operator", "value", "channel", "is_active"]
        help_texts = {
            "value": _(
                "Compared case-insensitively. For “is one of”, separate values with commas. "
                "A regular expression matches anywhere unless anchored with ^ and $."
            ),
            "position": _("Rules run in ascending position, before GA4's default rules."),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            channel_rule_validate(
                field=cleaned.get("field", ""),
                operator=cleaned.get("operator", ""),
                value=cleaned.get("value", ""),
                channel=cleaned.get("channel"),
            )
        except InvalidInput as exc:
            target = exc.field if exc.field in self.fields else None
            self.add_error(target, exc.message)
        return cleaned


@admin.register(ChannelRule)
class ChannelRuleAdmin(admin.ModelAdmin):
    form = ChannelRuleForm
    list_display = ["position", "field", "operator", "value", "channel", "is_active"]
    list_filter = ["is_active", "channel", "field"]
    ordering = ["position", "id"]

    def save_model(self, request, obj, form, change) -> None:
        data = {k: form.cleaned_data[k] for k in ChannelRuleForm.Meta.fields}
        if change:
            saved = channel_rule_update(rule_id=obj.pk, actor_id=request.user.pk, **data)
        else:
            saved = channel_rule_create(actor_id=request.user.pk, **data)
        # The admin goes on to log and redirect with ``obj``.
        obj.pk = saved.pk
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at

    def delete_model(self, request, obj) -> None:
        channel_rule_delete(rule_id=obj.pk, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset) -> None:
        for pk in queryset.values_list("pk", flat=True):
            channel_rule_delete(rule_id=pk, actor_id=request.user.pk)
