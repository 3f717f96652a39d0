"""`accord site`: the websites allowed to post leads and page views to Accord."""

from __future__ import annotations

import click


@click.group()
def site() -> None:
    """Manage capture sites: the key a website's forms and tracking snippet use."""


@site.command("create")
@click.argument("name")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="An origin allowed to post from a browser, e.g. https://www.example.com (repeatable).",
)
@click.option("--phone-region", default="", help="Country (ISO code) for phones without +.")
@click.option(
    "--double-opt-in", is_flag=True, help="E-mail marketing consent only once a link is clicked."
)
@click.option(
    "--cookie-consent", is_flag=True, help="Track visitors only after they accept cookies."
)
def site_create(
    name: str,
    origins: tuple[str, ...],
    phone_region: str,
    double_opt_in: bool,
    cookie_consent: bool,
) -> None:
    """Create a site and print the snippet and form to paste into its pages."""
    from accord.tracking.capture.services import capture_site_create

    created = capture_site_create(
        name=name,
        allowed_origins=list(origins),
        default_phone_region=phone_region,
        double_opt_in=double_opt_in,
        requires_cookie_consent=cookie_consent,
    )
    click.echo(f"Created site {created.name!r} with key {created.public_key}.")
    from accord.tracking.capture.snippets import site_snippets

    snippets = site_snippets(
        base_url="BASE", public_key=created.public_key, consent_required=cookie_consent
    )
    click.echo("\nTracking snippet (before </body>), with BASE your Accord address:")
    click.echo(f"  {snippets.tracker}")
    if cookie_consent:
        click.echo("  Call accord.consent() when the visitor accepts cookies; nothing before.")
    click.echo("\nA lead form on the site:")
    for line in snippets.form.splitlines():
        click.echo(f"  {line}")


@site.command("list")
def site_list() -> None:
    """List sites with their keys and allowed origins."""
    from accord.tracking.models import CaptureSite

    sites = list(CaptureSite.objects.order_by("name"))
    if not sites:
        click.echo("No sites yet. Create one with: accord site create NAME --origin https://...")
        return
    for row in sites:
        state = "active" if row.is_active else "inactive"
        origins = ", ".join(row.allowed_origins) or "none (only server-to-server posts)"
        click.echo(f"{row.public_key}  {row.name}  [{state}]  origins: {origins}")


@click.group()
def channels() -> None:
    """Channel groups: re-apply the channel rules to stored touches."""


@channels.command("regroup")
@click.option("--dry-run", is_flag=True, help="Count the touches that would move; change nothing.")
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def channels_regroup(dry_run: bool, no_progress: bool) -> None:
    """Apply the current channel rules to every stored touch whose channel came from them.

    Touches whose channel an import took from the file's channel column keep it. A lead's
    source channel follows its first touch when it was derived from it. The analytics copy
    is updated.
    """
    import sys

    from tqdm import tqdm

    from accord.tracking.channels.regroup import touches_regroup

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if no_progress:
            return
        if bar is None:
            bar = tqdm(total=total, desc="Regrouping", unit=" touches", file=sys.stderr)
        bar.update(done - bar.n)

    report = touches_regroup(dry_run=dry_run, progress=progress)
    if bar is not None:
        bar.close()
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
