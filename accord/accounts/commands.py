"""`accord createuser`: add a person with a role."""

from __future__ import annotations

import click

from accord.accounts.models import Department, Role


@click.command()
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--email", default="", help="Email address.")
@click.option(
    "--department",
    default="",
    type=click.Choice(["", *[d.value for d in Department]]),
    help="Marketing, sales or leadership (managers head their department).",
)
@click.option("--team", default="", help="Team name (created if missing).")
@click.password_option(
    "--password",
    envvar="ACCORD_PASSWORD",
    help="Password (prompted when not given; or set ACCORD_PASSWORD).",
)
def createuser(
    username: str, role: str, email: str, department: str, team: str, password: str
) -> None:
    """Create a user who can log in with the given role."""
    from accord.accounts.services import user_create

    user = user_create(
        username=username,
        password=password,
        role=role,
        email=email,
        department=department,
        team_name=team,
    )
    click.echo(f"Created {user.username} ({user.get_role_display()}).")


@click.group()
def apikey() -> None:
    """Create, list and revoke REST API keys."""


@apikey.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="leads:read, contacts:write, *:read, * ... (repeat for several).",
)
@click.option(
    "--user",
    "username",
    default="",
    help="The person the key acts for: their rights bound it, their name is in the log.",
)
def apikey_create(name: str, scopes: tuple[str, ...], username: str) -> None:
    """Create a key. The key is printed once: store it now, it cannot be shown again."""
    from accord.accounts.api_keys import api_key_create
    from accord.accounts.models import User
    from accord.core.errors import InvalidInput

    user = None
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise InvalidInput(f"No user {username!r}.", field="user")
    key, raw = api_key_create(name=name, scopes=scopes, created_by=user)
    click.echo(f"Created API key {key.pk} ({', '.join(key.scopes)}):")
    click.echo(raw)
    click.echo("Store it now: it is not kept and cannot be shown again.")


@apikey.command("list")
def apikey_list() -> None:
    """List keys (prefix, name, scopes, last use, revoked)."""
    from accord.accounts.models import ApiKey

    for key in ApiKey.objects.all():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(
            f"{key.pk}\t{key.prefix}…\t{key.name}\t{','.join(key.scopes)}\tused {used}\t{state}"
        )


@apikey.command("revoke")
@click.argument("key_id", type=int)
def apikey_revoke(key_id: int) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from accord.accounts.api_keys import api_key_revoke

    key = api_key_revoke(key_id=key_id, actor="cli")
    click.echo(f"Revoked API key {key.pk} ({key.prefix}…).")
