"""Seeded channel groups read in the reader's language; a name an admin gave stays as written."""

from __future__ import annotations

import pytest
from django.utils import translation

from accord.tracking.channels import GA4_DEFAULT_CHANNELS
from accord.tracking.channels.labels import channel_label
from accord.tracking.models import Channel


def test_every_seeded_group_has_a_russian_name():
    with translation.override("ru"):
        untranslated = [
            spec.slug
            for spec in GA4_DEFAULT_CHANNELS
            if channel_label(spec.slug, spec.name) == spec.name and spec.name != "SMS"
        ]
    assert untranslated == []


def test_a_seeded_name_is_translated_and_a_custom_one_is_not():
    with translation.override("ru"):
        assert channel_label("paid-search", "Paid Search") == "Платный поиск"
        assert channel_label("paid-search", "Google Ads") == "Google Ads"
        assert channel_label("partners", "Partners") == "Partners"
    with translation.override("en"):
        assert channel_label("paid-search", "Paid Search") == "Paid Search"


@pytest.mark.django_db
def test_a_channel_prints_in_the_active_language():
    channel, _ = Channel.objects.get_or_create(
        slug="organic-search", defaults={"name": "Organic Search"}
    )
    with translation.override("ru"):
        assert str(channel) == "Обычный поиск"
    with translation.override("en"):
        assert str(channel) == "Organic Search"
