"""Channel grouping as pure rules: GA4's default channel group plus admins' own rules.

No ORM here. ``default_channel`` evaluates GA4's default rules top-down (first match wins) and
returns a channel slug from ``accord.tracking.channels.GA4_DEFAULT_CHANNELS``; ``channel_for``
evaluates an admin's ``CustomRule`` list first, in order, then the defaults.

Decisions worth knowing:

* Every value is compared lower-cased, trimmed, with runs of whitespace collapsed to one space.
* Hosts lose a scheme, user info, port, trailing dot and any ``www.``, ``m.`` or ``l.`` prefix
  (``l.facebook.com`` is Facebook's link shim, ``m.`` a mobile site).
* Site lists (see ``sites.py``) match whole names, never substrings: ``google`` matches the
  source ``google`` and the hosts ``google.com``, ``google.co.uk`` and ``news.google.com``,
  but not ``googleads`` nor ``googleads.g.doubleclick.net`` (that host belongs to
  DoubleClick, which is in no list, so ``googleads.g.doubleclick.net / cpc`` is Paid Other).
* A touch with neither source nor medium is classified from its referrer as GA4 does: the
  source becomes the referrer host and the medium ``organic`` for a search engine, else
  ``referral``; no referrer (or one from our own site) makes it ``(direct) / (none)``. The
  normal rules then run, so a search referrer is Organic Search, a social one Organic Social,
  a video or shopping site Organic Video / Organic Shopping, any other site Referral.
  With UTM parameters present, a missing source or medium is ``(not set)``.
* Custom rules see the same effective values (a rule on ``source`` also catches referrals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from accord.core.errors import InvalidInput

if TYPE_CHECKING:
    from accord.tracking.channels.sites import SiteLists

DIRECT_SOURCE = "(direct)"
NONE_MEDIUM = "(none)"
NOT_SET = "(not set)"

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOP_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
REFERRAL_MEDIUMS = frozenset({"referral", "app", "link"})
EMAIL_VALUES = frozenset({"email", "e-mail", "e_mail", "e mail"})

_HOST_PREFIXES = ("www.", "m.", "l.")
_WHITESPACE = re.compile(r"\s+")
# Letters (IDN hosts such as яндекс.рф included), digits, dot, hyphen, underscore, IPv6 colon.
_HOST_CHARS = re.compile(r"^[\w.:-]+$")


def text_normalise(value: str | None) -> str:
    """Lower-case, trim and collapse whitespace; ``None`` becomes ``""``."""
    if not value:
        return ""
    return _WHITESPACE.sub(" ", str(value)).strip().lower()


def host_normalise(value: str | None) -> str:
    """The bare host of a URL or host string: ``https://www.Google.com:443/x`` → ``google.com``.

    Never raises: what cannot be parsed as a URL yields ``""``.
    """
    text = text_normalise(value)
    if not text:
        return ""
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" taken for an IPv6 literal
        return ""
    host = host.strip().rstrip(".")
    if not _HOST_CHARS.match(host):
        return ""
    stripped = True
    while stripped:
        stripped = False
        for prefix in _HOST_PREFIXES:
            # Keep at least one dot after stripping, so "m.ru" is not reduced to "ru".
            if host.startswith(prefix) and "." in host[len(prefix) :]:
                host = host[len(prefix) :]
                stripped = True
    return host


def _source_normalise(value: str | None) -> str:
    """A source is a free name (``google``, ``(direct)``) or a host (``l.facebook.com``)."""
    text = text_normalise(value)
    if "." in text and " " not in text and "(" not in text:
        return host_normalise(text) or text
    return text


@dataclass(frozen=True)
class TouchSource:
    """Where one touch came from, normalised. Build it with ``TouchSource.from_visit``
    to get referrer parsing and own-site referrers dropped; direct construction normalises
    case and whitespace too."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    referrer_host: str = ""
    landing_url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _source_normalise(self.source))
        object.__setattr__(self, "medium", text_normalise(self.medium))
        object.__setattr__(self, "campaign", text_normalise(self.campaign))
        object.__setattr__(self, "referrer_host", host_normalise(self.referrer_host))
        object.__setattr__(self, "landing_url", text_normalise(self.landing_url))

    @classmethod
    def from_visit(
        cls,
        *,
        source: str | None = "",
        medium: str | None = "",
        campaign: str | None = "",
        referrer: str | None = "",
        landing_url: str | None = "",
        own_hosts: tuple[str, ...] | frozenset[str] = (),
    ) -> TouchSource:
        """A touch from raw UTM values and a referrer URL.

        A referrer from one of ``own_hosts`` or from the landing page's own host (or a
        subdomain of either) is internal navigation and counts as no referrer.
        """
        referrer_host = host_normalise(referrer)
        ours = {host_normalise(h) for h in own_hosts} | {host_normalise(landing_url)}
        ours.discard("")
        if referrer_host and any(_host_within(referrer_host, h) for h in ours):
            referrer_host = ""
        return cls(
            source=source or "",
            medium=medium or "",
            campaign=campaign or "",
            referrer_host=referrer_host,
            landing_url=landing_url or "",
        )


def _host_within(host: str, parent: str) -> bool:
    return host == parent or host.endswith("." + parent)


def touch_effective(touch: TouchSource, sites: SiteLists) -> TouchSource:
    """The touch with source and medium filled in the way GA4 fills them (see module doc)."""
    if touch.source and touch.medium:
        return touch
    if touch.source or touch.medium:
        return TouchSource(
            source=touch.source or NOT_SET,
            medium=touch.medium or NOT_SET,
            campaign=touch.campaign,
            referrer_host=touch.referrer_host,
            landing_url=touch.landing_url,
        )
    if not touch.referrer_host:
        source, medium = DIRECT_SOURCE, NONE_MEDIUM
    else:
        source = touch.referrer_host
        medium = "organic" if sites.is_search(source) else "referral"
    return TouchSource(
        source=source,
        medium=medium,
        campaign=touch.campaign,
        referrer_host=touch.referrer_host,
        landing_url=touch.landing_url,
    )


def default_channel(touch: TouchSource, sites: SiteLists) -> str:
    """GA4's default channel group for a touch: rules 1-19 top-down, first match wins."""
    t = touch_effective(touch, sites)
    source, medium, campaign = t.source, t.medium, t.campaign
    paid = PAID_MEDIUM.match(medium) is not None
    shop_campaign = SHOP_CAMPAIGN.match(campaign) is not None
    in_shopping = sites.is_shopping(source)
    in_search = sites.is_search(source)
    in_social = sites.is_social(source)
    in_video = sites.is_video(source)

    if source == DIRECT_SOURCE and medium in (NOT_SET, NONE_MEDIUM):  # 1
        return "direct"
    if "cross-network" in campaign:  # 2
        return "cross-network"
    if paid:
        if in_shopping or shop_campaign:  # 3
            return "paid-shopping"
        if in_search:  # 4
            return "paid-search"
        if in_social:  # 5
            return "paid-social"
        if in_video:  # 6
            return "paid-video"
    if medium in DISPLAY_MEDIUMS:  # 7
        return "display"
    if paid:  # 8
        return "paid-other"
    if in_shopping or shop_campaign:  # 9
        return "organic-shopping"
    if in_social or medium in SOCIAL_MEDIUMS:  # 10
        return "organic-social"
    if in_video or "video" in medium:  # 11
        return "organic-video"
    if in_search or medium == "organic":  # 12
        return "organic-search"
    if medium in REFERRAL_MEDIUMS:  # 13
        return "referral"
    if source in EMAIL_VALUES or medium in EMAIL_VALUES:  # 14
        return "email"
    if medium == "affiliate":  # 15
        return "affiliates"
    if medium == "audio":  # 16
        return "audio"
    if source == "sms" or medium == "sms":  # 17
        return "sms"
    if medium.endswith("push") or "mobile" in medium or "notification" in medium:  # 18
        return "mobile-push"
    return "unassigned"  # 19


# --- Admins' own rules ----------------------------------------------------------------------

RULE_FIELDS: tuple[str, ...] = ("source", "medium", "campaign", "referrer_host", "landing_url")
RULE_OPERATORS: tuple[str, ...] = ("exact", "contains", "starts_with", "regex", "in")
RULE_VALUE_MAX_LENGTH = 500


@lru_cache(maxsize=512)
def regex_compile(pattern: str) -> re.Pattern[str]:
    """Compile once per process; values are matched lower-cased, so IGNORECASE is moot but
    kept for patterns written with capitals."""
    return re.compile(pattern, re.IGNORECASE)


def _in_values(value: str) -> tuple[str, ...]:
    """``in`` takes a list separated by commas or new lines."""
    items = (text_normalise(part) for part in re.split(r"[,\n]", value))
    return tuple(item for item in items if item)


@dataclass(frozen=True)
class CustomRule:
    """One admin rule: if ``field`` ``operator`` ``value`` then ``channel`` (a slug).

    Construction validates and raises ``InvalidInput`` naming the bad field, so a rule that
    exists can always be evaluated.
    """

    field: str
    operator: str
    value: str
    channel: str
    _items: tuple[str, ...] = dataclass_field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fld = text_normalise(self.field)
        op = text_normalise(self.operator)
        raw_value = (self.value or "").strip()
        channel = text_normalise(self.channel)
        if fld not in RULE_FIELDS:
            raise InvalidInput(
                f"Unknown field {self.field!r}; use one of {', '.join(RULE_FIELDS)}.",
                field="field",
            )
        if op not in RULE_OPERATORS:
            raise InvalidInput(
                f"Unknown operator {self.operator!r}; use one of {', '.join(RULE_OPERATORS)}.",
                field="operator",
            )
        if not raw_value:
            raise InvalidInput("The value must not be empty.", field="value")
        if len(raw_value) > RULE_VALUE_MAX_LENGTH:
            raise InvalidInput(
                f"The value is longer than {RULE_VALUE_MAX_LENGTH} characters.", field="value"
            )
        if not channel:
            raise InvalidInput("A rule needs a channel.", field="channel")
        # Regexes keep their case and spacing (``\S`` ≠ ``\s``); other values are normalised
        # like the touch values they are compared with.
        value = raw_value if op == "regex" else text_normalise(raw_value)
        if op == "regex":
            try:
                regex_compile(value)
            except re.error as exc:
                raise InvalidInput(f"Invalid regular expression: {exc}.", field="value") from exc
        items = _in_values(raw_value) if op == "in" else ()
        if op == "in" and not items:
            raise InvalidInput("The list of values is empty.", field="value")
        if fld == "referrer_host" and op in ("exact", "starts_with", "in"):
            # Compare hosts the way touches store them (no www., no port).
            value = host_normalise(value) or value
            items = tuple(host_normalise(i) or i for i in items)
        object.__setattr__(self, "field", fld)
        object.__setattr__(self, "operator", op)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "channel", channel)
        object.__setattr__(self, "_items", items)

    def matches(self, touch: TouchSource) -> bool:
        actual: str = getattr(touch, self.field)
        if self.operator == "exact":
            return actual == self.value
        if self.operator == "contains":
            return self.value in actual
        if self.operator == "starts_with":
            return actual.startswith(self.value)
        if self.operator == "in":
            return actual in self._items
        return regex_compile(self.value).search(actual) is not None


def channel_for(
    touch: TouchSource, custom_rules: tuple[CustomRule, ...] | list[CustomRule], sites: SiteLists
) -> str:
    """The first matching custom rule's channel, else GA4's default channel."""
    effective = touch_effective(touch, sites)
    for rule in custom_rules:
        if rule.matches(effective):
            return rule.channel
    return default_channel(effective, sites)
