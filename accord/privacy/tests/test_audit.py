"""The audit log: API keys created and revoked, roles changed in the admin, list exports;
the browsing page is for administrators only and the admin cannot edit the log."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from accord.accounts.api_keys import api_key_create, api_key_revoke
from accord.accounts.models import Role
from accord.cli import cli
from accord.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_api_key_create_and_revoke_are_audited_once(admin_user):
    key, _ = api_key_create(name="CRM sync", scopes=["leads:read"], created_by=admin_user)
    api_key_revoke(key_id=key.pk, actor=admin_user)
    api_key_revoke(key_id=key.pk, actor=admin_user)  # already revoked: nothing new
    rows = list(AuditEntry.objects.order_by("id").values_list("action", "actor_label", "target"))
    assert rows == [
        ("api_key.created", "admin-user", f"api_key:{key.pk}"),
        ("api_key.revoked", "admin-user", f"api_key:{key.pk}"),
    ]
    assert AuditEntry.objects.get(action="api_key.created").details == {"scopes": ["leads:read"]}


def test_admin_key_revoke_action_names_the_admin(client, admin_user):
    key, _ = api_key_create(name="Old", scopes=["*"])
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="api_key.revoked")
    assert entry.actor == admin_user


def test_role_change_in_the_admin_is_audited(client, admin_user, sales_user):
    client.force_login(admin_user)
    url = f"/admin/accounts/user/{sales_user.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "username": sales_user.username,
            "role": Role.MANAGER,
            "monthly_capacity": 300,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "team": "",
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    sales_user.refresh_from_db()
    assert sales_user.role == Role.MANAGER
    entry = AuditEntry.objects.get(action="user.role_changed")
    assert (entry.actor, entry.target, entry.details) == (
        admin_user, f"user:{sales_user.pk}", {"role": "manager"}
    )  # fmt: skip


def test_cli_list_export_is_audited(tmp_path):
    result = CliRunner().invoke(cli, ["export", "contacts", "--output", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    entry = AuditEntry.objects.get(action="export.written")
    assert (entry.actor_label, entry.target) == ("cli", "contacts")


def test_audit_page_is_for_admins_and_the_log_is_read_only(client, admin_user, marketing_user):
    api_key_create(name="K", scopes=["*"], created_by=admin_user)
    client.force_login(marketing_user)
    assert client.get("/privacy/audit/").status_code == 403
    client.force_login(admin_user)
    response = client.get("/privacy/audit/?action=api_key")
    assert response.status_code == 200 and b"api_key.created" in response.content
    entry = AuditEntry.objects.get()
    assert (
        client.post(f"/admin/privacy/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
