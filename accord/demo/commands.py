"""`accord demo`: load a simulated company and serve it. (Skeleton.)"""

from __future__ import annotations

import click


@click.command()
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--size", default="small", type=click.Choice(["small", "medium", "large"]))
@click.option("--no-serve", is_flag=True)
@click.option("--reset", is_flag=True)
def demo(seed: int, size: str, no_serve: bool, reset: bool) -> None:
    """Load a simulated company and serve it at http://127.0.0.1:8000."""
    raise click.ClickException("not built yet")
