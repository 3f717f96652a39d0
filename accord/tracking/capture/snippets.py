"""The copy-paste code for a capture site: the tracking tag and a lead form.

Pure text from the site's key, its options and Accord's public address; the CLI prints it
(``accord site create``) and the capture-site page shows it with a copy button.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class SiteSnippets:
    tracker: str  # the <script> tag, before </body> on every page
    form: str  # a lead form posting to the capture endpoint
    consent_note: bool  # the page must call accord.consent() from its cookie banner


def site_snippets(*, base_url: str, public_key: str, consent_required: bool) -> SiteSnippets:
    base = base_url.rstrip("/")
    key = escape(public_key, quote=True)
    consent = " data-consent-required" if consent_required else ""
    tracker = f'<script src="{base}/capture/t.js" data-site="{key}"{consent} defer></script>'
    form = "\n".join(
        [
            f'<form method="post" action="{base}/capture/lead" data-accord-form>',
            f'  <input type="hidden" name="site" value="{key}">',
            '  <label for="accord-name">Name</label>',
            '  <input id="accord-name" name="name" autocomplete="name">',
            '  <label for="accord-email">E-mail</label>',
            '  <input id="accord-email" name="email" type="email" autocomplete="email" required>',
            '  <label for="accord-company">Company</label>',
            '  <input id="accord-company" name="company" autocomplete="organization">',
            '  <label><input type="checkbox" name="consent_marketing" value="true">'
            " Send me news and offers</label>",
            "  <!-- a honeypot: people leave it empty, bots fill it in -->",
            '  <input name="_gotcha" tabindex="-1" autocomplete="off" hidden>',
            '  <button type="submit">Send</button>',
            "</form>",
        ]
    )
    return SiteSnippets(tracker=tracker, form=form, consent_note=consent_required)
