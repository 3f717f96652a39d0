"""`accord security`: log-in lockouts -- list them and unlock a username or an address."""

from __future__ import annotations

import click


@click.group()
def security() -> None:
    """Log-in lockouts (too many failed log-ins for a username or from an address)."""


@security.command("lockouts")
def lockouts() -> None:
    """List the usernames and addresses locked out now."""
    from accord.accounts.lockouts import lockouts_list

    rows = lockouts_list()
    if not rows:
        click.echo("No lockouts.")
        return
    for row in rows:
        click.echo(
            f"{row.kind:<8} {row.value:<40} {row.failures:>4} failures, "
            f"last {row.last_attempt:%Y-%m-%d %H:%M:%S} UTC"
        )


@security.command("unlock")
@click.argument("target")
def unlock(target: str) -> None:
    """Unlock TARGET: a username, or an IP address (all its failed log-ins are forgotten)."""
    from accord.accounts.lockouts import lockout_clear

    removed = lockout_clear(target=target)
    if removed:
        click.echo(f"Unlocked {target} ({removed} failed log-in record(s) removed).")
    else:
        click.echo(f"Nothing to unlock: no failed log-ins recorded for {target}.")
