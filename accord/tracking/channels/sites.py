"""The search, social, video and shopping site lists that channel grouping matches against.

The lists are data: ``channel_sites.json`` next to this module, plus an optional file named by
the ``ACCORD_CHANNEL_SITES_FILE`` setting (or environment variable) of the same shape whose
entries are *added* to the defaults. To take a site out of a list, add a channel rule ahead of
the defaults instead (see ``channel_grouping``).

Two kinds of entry:

* a **name** (no dot, e.g. ``google``) matches a bare UTM source equal to it and any host
  whose registrable name it is — ``google.com``, ``google.co.uk``, ``news.google.com``;
* a **host** (has a dot, e.g. ``t.co``, ``go.mail.ru``) matches that host and its subdomains.

The registrable name is the label left of the public suffix. We approximate the suffix without
the full Public Suffix List: the last label, or the last two when the last is a two-letter
country code and the one before it a generic second level (``co.uk``, ``com.br``, ``ne.jp``).
Names never match substrings, so ``googleads`` is not ``google``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from accord.core.errors import InvalidInput
from accord.tracking.channels.rules import host_normalise, text_normalise

DEFAULT_SITES_FILE = Path(__file__).with_name("channel_sites.json")
CATEGORIES: tuple[str, ...] = ("search", "social", "video", "shopping")

_GENERIC_SECOND_LEVEL = frozenset(
    {
        "co",
        "com",
        "net",
        "org",
        "gov",
        "edu",
        "ac",
        "ne",
        "or",
        "go",
        "gob",
        "gouv",
        "nic",
        "ltd",
        "plc",
        "info",
        "biz",
        "nom",
        "mil",
        "int",
        "msk",
        "spb",
    }
)


def registrable_name(host: str) -> str:
    """``news.google.co.uk`` → ``google``; a value without dots is its own name."""
    labels = [label for label in host.split(".") if label]
    if len(labels) <= 1:
        return labels[0] if labels else ""
    suffix = 1
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _GENERIC_SECOND_LEVEL:
        suffix = 2
    return labels[-(suffix + 1)]


@dataclass(frozen=True)
class SiteList:
    names: frozenset[str]
    hosts: frozenset[str]

    def matches(self, value: str) -> bool:
        """``value`` is a normalised source: a bare name or a host."""
        if not value:
            return False
        if "." not in value:
            return value in self.names
        if registrable_name(value) in self.names:
            return True
        labels = value.split(".")
        return any(".".join(labels[i:]) in self.hosts for i in range(len(labels) - 1))


@dataclass(frozen=True)
class SiteLists:
    search: SiteList
    social: SiteList
    video: SiteList
    shopping: SiteList

    def is_search(self, value: str) -> bool:
        return self.search.matches(value)

    def is_social(self, value: str) -> bool:
        return self.social.matches(value)

    def is_video(self, value: str) -> bool:
        return self.video.matches(value)

    def is_shopping(self, value: str) -> bool:
        return self.shopping.matches(value)


def site_list_build(entries: list[str] | tuple[str, ...]) -> SiteList:
    names: set[str] = set()
    hosts: set[str] = set()
    for entry in entries:
        text = text_normalise(entry)
        if not text:
            continue
        if "." in text:
            hosts.add(host_normalise(text) or text)
        else:
            names.add(text)
    return SiteList(names=frozenset(names), hosts=frozenset(hosts))


def _entries_read(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"Cannot read the channel site lists from {path}: {exc}",
            field="ACCORD_CHANNEL_SITES_FILE",
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{path} must hold an object of lists.", field="ACCORD_CHANNEL_SITES_FILE"
        )
    result: dict[str, list[str]] = {}
    for category in CATEGORIES:
        entries = data.get(category, [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise InvalidInput(
                f"{path}: {category!r} must be a list of strings.",
                field="ACCORD_CHANNEL_SITES_FILE",
            )
        result[category] = entries
    return result


@lru_cache(maxsize=8)
def site_lists_load(extra_file: str | None = None) -> SiteLists:
    """The default lists plus those in ``extra_file``; cached per process and file name."""
    merged = _entries_read(DEFAULT_SITES_FILE)
    if extra_file:
        for category, entries in _entries_read(Path(extra_file)).items():
            merged[category] = merged[category] + entries
    return SiteLists(**{c: site_list_build(merged[c]) for c in CATEGORIES})


def site_lists_configured() -> SiteLists:
    """The lists this installation uses (setting first, then the environment variable)."""
    from django.conf import settings

    extra = getattr(settings, "ACCORD_CHANNEL_SITES_FILE", None) or os.environ.get(
        "ACCORD_CHANNEL_SITES_FILE"
    )
    return site_lists_load(extra or None)
