"""Fixtures shared by every test suite."""

from __future__ import annotations

import pytest

from accord.accounts.models import Role


@pytest.fixture
def make_user(db):
    from accord.accounts.tests.factories import UserFactory

    return UserFactory


@pytest.fixture
def admin_user(make_user):
    return make_user(role=Role.ADMIN, username="admin-user", is_staff=True, is_superuser=True)


@pytest.fixture
def sales_user(make_user):
    return make_user(role=Role.SALES, username="sales-user", department="sales")


@pytest.fixture
def marketing_user(make_user):
    return make_user(role=Role.MARKETING, username="marketing-user", department="marketing")


@pytest.fixture
def manager_user(make_user):
    return make_user(role=Role.MANAGER, username="manager-user", department="sales")
