"""Saved views: a person's named filter/search/sort of a list page, one click away."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListPage(models.TextChoices):
    LEADS = "leads", _("Leads")
    CONTACTS = "contacts", _("Contacts")
    ACCOUNTS = "accounts", _("Accounts")
    DEALS = "deals", _("Deals")


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
        db_index=False,  # (owner, page) below covers it
    )
    page = models.CharField(_("page"), max_length=20, choices=ListPage.choices)
    name = models.CharField(_("name"), max_length=80)
    #: The list's query string without paging (``stage=mql&sort=-score``).
    query = models.CharField(_("query"), max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        indexes = [models.Index(fields=["owner", "page"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"], name="workspace_savedview_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
