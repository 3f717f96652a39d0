"""Allowed origins typed as a list, one per line: each line checked, the first bad one named.

Pure functions over text (no ORM): the capture-site pages and the service share them, so a
site's origins are checked the same way whether typed in the app, the CLI or the API.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from accord.core.errors import InvalidInput
from accord.tracking.capture.sites import origin_normalise

ORIGINS_FIELD = "allowed_origins"
MAX_ORIGINS = 50


def origin_problem(value: str) -> str | None:
    """Why ``value`` is not an origin like ``https://www.example.com[:port]``, or None."""
    text = value.strip()
    if any(ch.isspace() for ch in text):
        return _("an origin has no spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return _("the port is not a number between 1 and 65535")
    if parts.scheme.lower() not in ("http", "https") or not text.lower().startswith(
        f"{parts.scheme.lower()}://"
    ):
        return _("it must start with https:// (or http://)")
    host = parts.hostname or ""
    if not host:
        return _("the host name is missing")
    if parts.username or parts.password:
        return _("an origin carries no user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return _("an origin has no path, query or fragment (only scheme, host and port)")
    if port == 0:
        return _("the port is not a number between 1 and 65535")
    if not _host_valid(host):
        return _("%(host)s is not a valid host name") % {"host": host}
    return None


def _host_valid(host: str) -> bool:
    if host.startswith("[") or ":" in host:  # IPv6 literal, as urlsplit strips the brackets
        return all(c in "0123456789abcdef:." for c in host.lower())
    labels = host.split(".")
    return all(
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    )


def origins_from_lines(text: str) -> list[str]:
    """Each non-blank line as a normalised origin; ``InvalidInput`` names the first bad line."""
    origins: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        value = line.strip()
        if not value:
            continue
        problem = origin_problem(value)
        if problem is not None:
            raise InvalidInput(
                _("Line %(line)d (%(value)s): %(problem)s.")
                % {"line": number, "value": value, "problem": problem},
                field=ORIGINS_FIELD,
            )
        normalised = origin_normalise(value)
        if normalised in origins:
            raise InvalidInput(
                _("Line %(line)d (%(value)s): this origin is already listed.")
                % {"line": number, "value": value},
                field=ORIGINS_FIELD,
            )
        origins.append(normalised)
    if len(origins) > MAX_ORIGINS:
        raise InvalidInput(
            _("A site lists at most %(count)d origins.") % {"count": MAX_ORIGINS},
            field=ORIGINS_FIELD,
        )
    return origins
