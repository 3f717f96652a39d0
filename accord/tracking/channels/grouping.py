"""Channel grouping as a service: admins' ``ChannelRule`` rows ahead of GA4's default rules.

Writes to ``ChannelRule`` go through ``channel_rule_create/update/delete``, which validate with
the same pure ``CustomRule`` that evaluation uses, so a stored rule can always be evaluated.

Reads: ``channel_resolve`` answers one touch with two small queries (active rules, channels).
That keeps every process correct the moment a rule changes, with no cache to invalidate.
Callers classifying many touches at once (imports, the demo, backfills) load a
``ChannelResolver`` once with ``channel_resolver_load()`` and call ``resolve`` per touch —
that is pure Python after the load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from accord.core.errors import InvalidInput, NotFound
from accord.tracking.channels import GA4_DEFAULT_CHANNELS
from accord.tracking.channels.rules import CustomRule, TouchSource, channel_for
from accord.tracking.channels.sites import SiteLists, site_lists_configured
from accord.tracking.models import Channel, ChannelRule

logger = logging.getLogger(__name__)

POSITION_STEP = 10


def _own_hosts_configured() -> tuple[str, ...]:
    """Hosts of our own sites (setting ``ACCORD_OWN_HOSTS``); their referrers are not sources."""
    return tuple(getattr(settings, "ACCORD_OWN_HOSTS", ()) or ())


class ChannelResolver:
    """A snapshot of the active rules and the channel table; resolves touches without queries."""

    def __init__(
        self,
        *,
        rules: tuple[CustomRule, ...],
        channels: dict[str, Channel],
        sites: SiteLists,
        own_hosts: Iterable[str] = (),
    ) -> None:
        self.rules = rules
        self.channels = channels
        self.sites = sites
        self.own_hosts = tuple(own_hosts)

    def slug_for(
        self,
        *,
        source: str | None = "",
        medium: str | None = "",
        campaign: str | None = "",
        referrer: str | None = "",
        landing_url: str | None = "",
    ) -> str:
        touch = TouchSource.from_visit(
            source=source,
            medium=medium,
            campaign=campaign,
            referrer=referrer,
            landing_url=landing_url,
            own_hosts=self.own_hosts,
        )
        return channel_for(touch, self.rules, self.sites)

    def resolve(
        self,
        *,
        source: str | None = "",
        medium: str | None = "",
        campaign: str | None = "",
        referrer: str | None = "",
        landing_url: str | None = "",
    ) -> Channel:
        slug = self.slug_for(
            source=source,
            medium=medium,
            campaign=campaign,
            referrer=referrer,
            landing_url=landing_url,
        )
        channel = self.channels.get(slug)
        if channel is None:
            channel = _default_channel_restore(slug)
            self.channels[slug] = channel
        return channel


def _default_channel_restore(slug: str) -> Channel:
    """A GA4 default channel deleted from the table is recreated: every touch needs a channel,
    and the seeded set is what the default rules promise."""
    for position, spec in enumerate(GA4_DEFAULT_CHANNELS, start=1):
        if spec.slug == slug:
            channel, _ = Channel.objects.get_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "is_paid": spec.is_paid, "position": position},
            )
            logger.warning("Default channel %r was missing and has been recreated.", slug)
            return channel
    raise NotFound(f"Channel {slug!r} does not exist.", field="channel")


def channel_resolver_load(*, own_hosts: Iterable[str] | None = None) -> ChannelResolver:
    channels = {c.slug: c for c in Channel.objects.all()}
    rules: list[CustomRule] = []
    for row in ChannelRule.objects.filter(is_active=True).select_related("channel"):
        try:
            rules.append(_custom_rule(row))
        except InvalidInput as exc:
            # Only rows written around the services can be invalid; skip rather than fail
            # every touch, and say so.
            logger.warning("Channel rule %s is invalid and skipped: %s", row.pk, exc.message)
    return ChannelResolver(
        rules=tuple(rules),
        channels=channels,
        sites=site_lists_configured(),
        own_hosts=_own_hosts_configured() if own_hosts is None else own_hosts,
    )


def channel_resolve(
    *,
    source: str | None = "",
    medium: str | None = "",
    campaign: str | None = "",
    referrer: str | None = "",
    landing_url: str | None = "",
    own_hosts: Iterable[str] | None = None,
) -> Channel:
    """The channel of one touch: the first matching active admin rule, else GA4's default."""
    return channel_resolver_load(own_hosts=own_hosts).resolve(
        source=source, medium=medium, campaign=campaign, referrer=referrer, landing_url=landing_url
    )


def _custom_rule(row: ChannelRule) -> CustomRule:
    return CustomRule(
        field=row.field, operator=row.operator, value=row.value, channel=row.channel.slug
    )


def channel_rule_validate(
    *, field: str, operator: str, value: str, channel: Channel | None
) -> CustomRule:
    """Raise ``InvalidInput`` naming the bad field; return the rule as it will be evaluated."""
    if channel is None:
        raise InvalidInput("A rule needs a channel.", field="channel")
    return CustomRule(field=field, operator=operator, value=value, channel=channel.slug)


def _position_check(position: int | None) -> None:
    if position is not None and (not isinstance(position, int) or position < 0):
        raise InvalidInput("The position must be a whole number, 0 or more.", field="position")


@transaction.atomic
def channel_rule_create(
    *,
    field: str,
    operator: str,
    value: str,
    channel: Channel | None,
    position: int | None = None,
    is_active: bool = True,
    actor_id: int | None = None,
) -> ChannelRule:
    """Add a rule; without a position it goes after the existing rules."""
    channel_rule_validate(field=field, operator=operator, value=value, channel=channel)
    assert channel is not None  # checked by channel_rule_validate; narrows the type
    _position_check(position)
    if position is None:
        last = ChannelRule.objects.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + POSITION_STEP
    rule = ChannelRule.objects.create(
        position=position,
        field=field.strip().lower(),
        operator=operator.strip().lower(),
        value=value.strip(),
        channel=channel,
        is_active=is_active,
    )
    logger.info("Channel rule %s created by user %s: %s", rule.pk, actor_id, rule)
    return rule


@transaction.atomic
def channel_rule_update(
    *,
    rule_id: int,
    field: str | None = None,
    operator: str | None = None,
    value: str | None = None,
    channel: Channel | None = None,
    position: int | None = None,
    is_active: bool | None = None,
    actor_id: int | None = None,
) -> ChannelRule:
    """Change the given attributes of a rule; the result is validated as a whole."""
    rule = ChannelRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"Channel rule {rule_id} does not exist.", field="rule_id")
    new_field = rule.field if field is None else field.strip().lower()
    new_operator = rule.operator if operator is None else operator.strip().lower()
    new_value = rule.value if value is None else value.strip()
    new_channel = rule.channel if channel is None else channel
    channel_rule_validate(
        field=new_field, operator=new_operator, value=new_value, channel=new_channel
    )
    _position_check(position)
    rule.field, rule.operator, rule.value, rule.channel = (
        new_field,
        new_operator,
        new_value,
        new_channel,
    )
    if position is not None:
        rule.position = position
    if is_active is not None:
        rule.is_active = is_active
    rule.save()
    logger.info("Channel rule %s updated by user %s: %s", rule.pk, actor_id, rule)
    return rule


@transaction.atomic
def channel_rule_delete(*, rule_id: int, actor_id: int | None = None) -> None:
    deleted, _ = ChannelRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound(f"Channel rule {rule_id} does not exist.", field="rule_id")
    logger.info("Channel rule %s deleted by user %s", rule_id, actor_id)
