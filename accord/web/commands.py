"""``accord check wiring``: the lifecycle hook table, as the running code registered it."""

from __future__ import annotations

import click

from accord.core import hooks


@click.command("wiring")
def wiring() -> None:
    """Print what happens when each lifecycle event is emitted: its handlers, in order.

    The table is registered in one module, accord/wiring.py; this prints what it registered
    (an event with no handler is not listed).
    """
    table = hooks.table()
    if not table:
        click.echo("No lifecycle handlers are registered.")
        return
    for event, handlers in sorted(table.items()):
        click.echo(event)
        for position, handler in enumerate(handlers, start=1):
            click.echo(f"  {position}. {handler}")
