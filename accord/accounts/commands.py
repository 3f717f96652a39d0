"""`accord createuser`: add a person with a role."""

from __future__ import annotations

import click

from accord.accounts.models import Department, Role


@click.command()
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--email", default="", help="Email address.")
@click.option(
    "--department", default="", type=click.Choice(["", *[d.value for d in Department]]),
    help="Marketing, sales or leadership (managers head their department).",
)
@click.option("--team", default="", help="Team name (created if missing).")
@click.password_option(
    "--password", envvar="ACCORD_PASSWORD",
    help="Password (prompted when not given; or set ACCORD_PASSWORD).",
)
def createuser(
    username: str, role: str, email: str, department: str, team: str, password: str
) -> None:
    """Create a user who can log in with the given role."""
    from accord.accounts.services import user_create

    user = user_create(
        username=username, password=password, role=role, email=email,
        department=department, team_name=team,
    )
    click.echo(f"Created {user.username} ({user.get_role_display()}).")
