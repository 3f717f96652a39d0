"""Each role sees the navigation it should, and nothing more."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user_fixture", "role_label", "sees_admin"),
    [
        ("marketing_user", "Marketer", False),
        ("sales_user", "Sales rep", False),
        ("manager_user", "Manager", False),
        ("admin_user", "Administrator", True),
    ],
)
def test_dashboard_per_role(client, request, user_fixture, role_label, sees_admin):
    """The header keeps one Settings entry; the administration site is a card of the
    settings hub (staff only), not a menu entry."""
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    labels = [str(item.label) for item in response.context["nav_items"]]
    assert labels[0] == "Dashboard"
    assert "Settings" in labels
    assert "Administration" not in labels
    html = response.content.decode()
    assert role_label in html
    assert f'data-role="{user.role}"' in html
    hub = client.get(reverse("settings:hub")).content.decode()
    assert (f'href="{reverse("admin:accounts_user_changelist")}"' in hub) is sees_admin
    assert 'aria-current="page">Dashboard<' in html


def test_admin_role_without_staff_flag_gets_no_dead_admin_link(client, make_user):
    client.force_login(make_user(role=Role.ADMIN, username="not-staff", is_staff=False))

    response = client.get(reverse("settings:hub"))

    assert response.status_code == 200
    assert "/admin/" not in response.content.decode()


def test_admin_site_opens_for_the_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:contacts_lead_changelist")).status_code == 200


@pytest.mark.parametrize(
    "model_path",
    [
        "accounts.user",
        "accounts.team",
        "contacts.account",
        "contacts.contact",
        "contacts.lead",
        "contacts.stagetransition",
        "tracking.channel",
        "tracking.campaign",
        "tracking.spendentry",
        "tracking.touchpoint",
        "pipeline.deal",
        "pipeline.activity",
    ],
)
def test_admin_lists_every_main_model(client, admin_user, seeded_2025, model_path):
    app_label, model_name = model_path.split(".")
    client.force_login(admin_user)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200


def test_admin_cannot_rewrite_the_lifecycle_log(client, admin_user, seeded_2025):
    from accord.contacts.models import StageTransition

    client.force_login(admin_user)
    row = StageTransition.objects.first()

    assert client.get(reverse("admin:contacts_stagetransition_add")).status_code == 403
    response = client.post(
        reverse("admin:contacts_stagetransition_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert StageTransition.objects.filter(pk=row.pk).exists()


def test_non_staff_roles_cannot_open_the_admin(client, sales_user):
    client.force_login(sales_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
