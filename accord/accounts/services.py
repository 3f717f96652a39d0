"""Writes on users and teams."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import Department, Role, Team, User
from accord.core.errors import InvalidInput
from accord.core.events import UserAccessChanged
from accord.core.hooks import emit


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    department: str = "",
    team_name: str = "",
    validate: bool = True,
) -> User:
    username = (username or "").strip()
    if not username:
        raise InvalidInput("A username is required.", field="username")
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}; expected one of: {', '.join(Role.values)}.", field="role"
        )
    if department and department not in Department.values:
        raise InvalidInput(f"Unknown department {department!r}.", field="department")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"The username {username!r} is taken.", field="username")
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if validate:
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages), field="password") from None
    with transaction.atomic():
        team = None
        if team_name:
            team, _ = Team.objects.get_or_create(
                name=team_name, defaults={"department": department or Department.SALES}
            )
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            department=department,
            team=team,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
        # The audit log (accord.privacy, via accord.wiring) records the new user and role.
        emit(UserAccessChanged(user=user, created=True, fields=("role",)))
    return user
