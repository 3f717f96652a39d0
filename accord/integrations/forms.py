"""Forms of the import pages: upload, then the column mapping."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accord.integrations.importing.presets import PRESETS
from accord.integrations.importing.schemas import PROPERTIES_PREFIX, SCHEMAS
from accord.integrations.models import ImportEntity

ENTITY_CHOICES = ImportEntity.choices
PRESET_CHOICES = [("", _("None")), *[(name, name.capitalize()) for name in PRESETS]]
IGNORE = ""
PROPERTY = "__property__"


def upload_max_bytes() -> int:
    return int(getattr(settings, "ACCORD_IMPORT_MAX_BYTES", 64 * 1024 * 1024))


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What the file holds"), choices=ENTITY_CHOICES)
    file = forms.FileField(label=_("CSV file"))
    preset = forms.ChoiceField(label=_("Exported from"), choices=PRESET_CHOICES, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(upload_max_bytes()),
                },
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if not upload.name.lower().endswith((".csv", ".txt", ".tsv")):
            raise forms.ValidationError(_("Upload a .csv file (spreadsheets can save as CSV)."))
        return upload


class MappingForm(forms.Form):
    """One dropdown per column of the file, preset to the suggested field."""

    timezone = forms.CharField(
        label=_("Time zone of times without an offset"), initial="UTC", max_length=64
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows even if some rows are invalid"), required=False
    )

    def __init__(
        self, *args, entity: str, header: list[str], suggested: list[str | None], **kwargs
    ):
        super().__init__(*args, **kwargs)
        schema = SCHEMAS[entity]
        choices = [
            (IGNORE, _("— ignore —")),
            *[(spec.name, spec.label) for spec in schema.fields],
            (PROPERTY, _("Custom property")),
        ]
        self.header = header
        self.column_fields = []
        for index, column in enumerate(header):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=column or _("(no name)"),
                choices=choices,
                required=False,
                initial=suggested[index] or IGNORE,
            )
            self.column_fields.append(name)

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("Unknown time zone; use a name such as UTC or Europe/Moscow.")
            ) from None
        return value

    def mapping(self) -> dict[str, str]:
        from accord.integrations.importing.fields import header_key

        result: dict[str, str] = {}
        for column, name in zip(self.header, self.column_fields, strict=True):
            target = self.cleaned_data.get(name) or ""
            if target == PROPERTY:
                target = PROPERTIES_PREFIX + (header_key(column) or name)
            result[column] = target
        return result

    def dropdowns(self):
        return [self[name] for name in self.column_fields]
