"""The feed's forms: the filters, a new post, a comment, an acknowledgement request. Each
field error names its field; the services check again what a form cannot know."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team, User
from accord.intel.models import PostKind, Tag, TagKind
from accord.tracking.models import Campaign


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _People(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.get_full_name() or obj.username


class FeedFilterForm(_Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *PostKind.choices]
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        required=False,
        queryset=Tag.objects.exclude(kind=TagKind.COMPETITOR).order_by("kind", "name"),
        empty_label=_("Any tag"),
    )
    competitor = forms.ModelChoiceField(
        label=_("Competitor"),
        required=False,
        queryset=Tag.objects.filter(kind=TagKind.COMPETITOR).order_by("name"),
        empty_label=_("Any competitor"),
    )
    author = _People(
        label=_("Author"),
        required=False,
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        empty_label=_("Anyone"),
    )
    unread = forms.BooleanField(label=_("Unread only"), required=False)


def _ids(value: str, label: str) -> list[int]:
    ids = []
    for part in value.replace(";", ",").split(","):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit():
            raise forms.ValidationError(
                _("%(value)s is not a number: give %(what)s numbers, separated by commas."),
                params={"value": part[:20], "what": label},
            )
        ids.append(int(part))
    return ids


class _MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    widget = _MultipleFiles

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(_FilesField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class PostForm(_Form):
    kind = forms.ChoiceField(label=_("Type"), choices=PostKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mention a colleague with @username: they are notified."),
    )
    competitors = forms.CharField(
        label=_("Competitors"),
        required=False,
        max_length=400,
        help_text=_("Separate names with commas."),
    )
    products = forms.CharField(label=_("Products"), required=False, max_length=400)
    regions = forms.CharField(label=_("Regions"), required=False, max_length=400)
    segments = forms.CharField(label=_("Segments"), required=False, max_length=400)
    deals = forms.CharField(
        label=_("Deal numbers"),
        required=False,
        max_length=400,
        help_text=_("The numbers of deals this post is about, separated by commas."),
    )
    accounts = forms.CharField(
        label=_("Account numbers"),
        required=False,
        max_length=400,
        help_text=_("The numbers of accounts this post is about, separated by commas."),
    )
    campaigns = forms.ModelMultipleChoiceField(
        label=_("Campaigns"),
        required=False,
        queryset=Campaign.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    attachments = _FilesField(label=_("Attachments"), required=False)
    teams = forms.ModelMultipleChoiceField(
        label=_("Ask these teams to acknowledge"),
        required=False,
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.INTEL_ATTACHMENT_MAX_BYTES / (1024 * 1024)
        self.fields["attachments"].help_text = _(
            "Images, PDF, office documents or plain text, up to %(limit)s MB each."
        ) % {"limit": f"{limit:g}"}

    def clean_deals(self) -> list[int]:
        return _ids(self.cleaned_data.get("deals", ""), str(_("deal")))

    def clean_accounts(self) -> list[int]:
        return _ids(self.cleaned_data.get("accounts", ""), str(_("account")))

    def tag_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for field, kind in (
            ("competitors", TagKind.COMPETITOR),
            ("products", TagKind.PRODUCT),
            ("regions", TagKind.REGION),
            ("segments", TagKind.SEGMENT),
        ):
            for name in self.cleaned_data.get(field, "").split(","):
                if name.strip():
                    pairs.append((str(kind), name.strip()))
        return pairs


class CommentForm(_Form):
    body = forms.CharField(
        label=_("Comment"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AckRequestForm(_Form):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one team.")},
    )
