"""Log-in throttling (django-axes) through the real log-in forms, and unlocking.

Per username (a brute force on one account from many addresses) and per address (password
spraying over many accounts from one address); the locked page says why in the visitor's
language; an administrator unlocks with `accord security unlock` or the admin.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.conf import settings as django_settings
from django.urls import reverse

from accord.accounts.models import Role
from accord.accounts.tests.factories import TEST_PASSWORD
from accord.cli import cli

pytestmark = pytest.mark.django_db

LIMIT = 3
LOCKED = "Too many failed log-in attempts"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def _login(client, username: str, password: str, ip: str = "203.0.113.5", path: str = "/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_after_n_failures_via_the_login_form(client, sales_user):
    for _ in range(LIMIT - 1):
        response = _login(client, "sales-user", "wrong-password")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    locked = _login(client, "sales-user", "wrong-password")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert 'id="login-locked-out"' in locked.content.decode()
    # Now even the right password is refused, and nobody is logged in.
    right = _login(client, "sales-user", TEST_PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_brute_force_on_one_account_from_many_addresses_locks_the_account(client, sales_user):
    for n in range(LIMIT):
        _login(client, "sales-user", "wrong-password", ip=f"198.51.100.{n + 1}")
    from_new_address = _login(client, "sales-user", TEST_PASSWORD, ip="192.0.2.77")
    assert from_new_address.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_spraying_from_one_address_locks_the_address(client, make_user):
    make_user(username="victim", role=Role.SALES)
    for n in range(LIMIT):
        _login(client, f"someone{n}", "Spring2026!", ip="203.0.113.9")
    sprayed = _login(client, "victim", TEST_PASSWORD, ip="203.0.113.9")
    assert sprayed.status_code == 429
    # Another address is not affected.
    assert _login(client, "victim", TEST_PASSWORD, ip="203.0.113.10").status_code == 302


def test_admin_login_is_throttled_too(client, admin_user):
    for _ in range(LIMIT):
        _login(client, "admin-user", "wrong-password", path="/admin/login/")
    locked = _login(client, "admin-user", TEST_PASSWORD, path="/admin/login/")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()


def test_lockout_message_is_in_russian_for_russian_visitors(client, sales_user):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    for _ in range(LIMIT):
        _login(client, "sales-user", "wrong-password")
    locked = _login(client, "sales-user", "wrong-password")
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток входа" in locked.content.decode()


@pytest.mark.parametrize("target", ["sales-user", "203.0.113.5"])
def test_cli_unlock_by_username_or_address_lets_the_user_in(client, sales_user, target):
    for _ in range(LIMIT):
        _login(client, "sales-user", "wrong-password")
    assert _login(client, "sales-user", TEST_PASSWORD).status_code == 429
    listed = CliRunner().invoke(cli, ["security", "lockouts"])
    assert (
        listed.exit_code == 0 and "sales-user" in listed.output and "203.0.113.5" in listed.output
    )

    result = CliRunner().invoke(cli, ["security", "unlock", target])
    assert result.exit_code == 0, result.output
    assert f"Unlocked {target}" in result.output
    assert _login(client, "sales-user", TEST_PASSWORD).status_code == 302
    assert CliRunner().invoke(cli, ["security", "lockouts"]).output.strip() == "No lockouts."


def test_admin_unlocks_in_the_axes_admin(client, admin_user, sales_user):
    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        _login(client, "sales-user", "wrong-password", ip="198.51.100.50")
    attempt = AccessAttempt.objects.get(username="sales-user")
    admin = type(client)()
    admin.force_login(admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "sales-user" in listing.content.decode()
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert _login(client, "sales-user", TEST_PASSWORD, ip="198.51.100.50").status_code == 302


def test_password_validators_refuse_username_digits_common_and_short(db):
    from accord.accounts.services import user_create
    from accord.core.errors import InvalidInput

    for password in ("olga.smirnova", "8261937450123", "password1234", "Sh0rt!x"):
        with pytest.raises(InvalidInput) as refused:
            user_create(
                username="olga.smirnova", password=password, role=Role.SALES,
                email="olga.smirnova@example.com",
            )  # fmt: skip
        assert refused.value.field == "password"
    user = user_create(username="olga.smirnova", password="Tundra-lantern-58", role=Role.SALES)
    assert user.password.startswith("argon2$")
