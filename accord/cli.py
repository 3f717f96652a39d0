"""The ``accord`` command: one entry point for people who run Accord.

Each sub-command lives next to the code it drives (``accord/<app>/commands.py``) and is
registered here.
"""

from __future__ import annotations

import os

import click
import django

# Commands use model choices in their options, so Django is set up before they are imported.
# This needs settings only, not a database: `--help` works anywhere.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from accord.core.errors import DomainError  # noqa: E402


class DomainErrorExit(click.ClickException):
    """A domain error told to a person: the field at fault and why, exit code 2."""

    exit_code = 2

    def __init__(self, error: DomainError):
        field = f" ({error.field})" if error.field else ""
        super().__init__(f"{error.message}{field}")


class AccordGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DomainError as error:
            raise DomainErrorExit(error) from None


@click.group(
    cls=AccordGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="accord")
def cli() -> None:
    """Accord: marketing and sales as one revenue team.

    Start with `accord demo` to explore a simulated company at http://127.0.0.1:8000.
    """


def _register() -> None:
    from accord.accounts.commands import apikey, createuser
    from accord.accounts.security_commands import security
    from accord.analytics.commands import analytics, report
    from accord.core.commands import migrate, serve, worker
    from accord.demo.commands import demo
    from accord.digest.commands import digest
    from accord.integrations.commands import check, export_command, import_command
    from accord.planning.commands import plan
    from accord.privacy.commands import privacy
    from accord.scoring.commands import scoring
    from accord.tracking.commands import channels, site
    from accord.web.commands import wiring

    check.add_command(wiring)

    for command in (
        demo,
        serve,
        worker,
        migrate,
        createuser,
        apikey,
        site,
        channels,
        scoring,
        analytics,
        report,
        plan,
        digest,
        import_command,
        export_command,
        privacy,
        check,
        security,
    ):
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="accord")


if __name__ == "__main__":  # `python -m accord.cli`
    main()
