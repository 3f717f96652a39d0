"""Channels: how a touch is grouped into one (``grouping`` services over pure ``rules``, the
site lists in ``sites``, ``regroup`` after the rules change, the admin of the rules).

The package's top level is the default channel set — GA4's default channel groups, in GA4's
evaluation order — because migration ``tracking.0002`` imports it from here and a migration
must mean the same thing forever."""

from __future__ import annotations

from typing import NamedTuple


class ChannelSpec(NamedTuple):
    slug: str
    name: str
    is_paid: bool


GA4_DEFAULT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("direct", "Direct", False),
    ChannelSpec("cross-network", "Cross-network", True),
    ChannelSpec("paid-shopping", "Paid Shopping", True),
    ChannelSpec("paid-search", "Paid Search", True),
    ChannelSpec("paid-social", "Paid Social", True),
    ChannelSpec("paid-video", "Paid Video", True),
    ChannelSpec("display", "Display", True),
    ChannelSpec("paid-other", "Paid Other", True),
    ChannelSpec("organic-shopping", "Organic Shopping", False),
    ChannelSpec("organic-social", "Organic Social", False),
    ChannelSpec("organic-video", "Organic Video", False),
    ChannelSpec("organic-search", "Organic Search", False),
    ChannelSpec("referral", "Referral", False),
    ChannelSpec("email", "Email", False),
    ChannelSpec("affiliates", "Affiliates", True),
    ChannelSpec("audio", "Audio", True),
    ChannelSpec("sms", "SMS", False),
    ChannelSpec("mobile-push", "Mobile Push Notifications", False),
    ChannelSpec("unassigned", "Unassigned", False),
)
