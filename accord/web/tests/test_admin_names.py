"""Django's admin names the product, its apps and models in the reader's language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_names_apps_and_models_in_the_reader_s_language(client, admin_user):
    client.force_login(admin_user)
    english = client.get("/admin/").content.decode()
    assert "Spend entries" in english and "Spend entrys" not in english
    assert "Accord administration" in english
    client.cookies["django_language"] = "ru"
    russian = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Записи расходов" in russian and "Каналы и касания" in russian
