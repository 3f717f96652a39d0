"""The feed's handlers of pipeline events (registered in ``accord.wiring``): a product's
list-price change and a promotion that starts each become a post, written in the emitter's
transaction (a rolled-back price change posts nothing). ``source_key`` names the occurrence,
so an event delivered twice posts once.

The events carry the pipeline's saved rows (``change``: a price-change row; ``promotion``: a
promotion row); ``_price_facts`` and ``_promotion_facts`` read what a post says of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.core.events import ProductPriceChanged, PromotionStarted
from accord.intel.models import PostKind, TagKind
from accord.intel.services import post_create


@dataclass(frozen=True)
class _PriceFacts:
    key: str
    product: str
    old: Decimal | None
    new: Decimal
    currency: str
    at: datetime
    by_id: int | None


@dataclass(frozen=True)
class _PromotionFacts:
    key: str
    name: str
    code: str
    starts_at: datetime
    ends_at: datetime | None
    percent: Decimal | None
    products: tuple[str, ...]
    by_id: int | None
    campaign_ids: tuple[int, ...]


def _day_start(day: Any) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _price_facts(event: ProductPriceChanged) -> _PriceFacts:
    row = event.change
    return _PriceFacts(
        key=f"price:{row.product_id}:{row.pk}", product=row.product.name,
        old=row.old_list_price, new=row.new_list_price, currency=row.currency,
        at=row.changed_at, by_id=row.changed_by_id,
    )  # fmt: skip


def _promotion_facts(event: PromotionStarted) -> _PromotionFacts:
    row = event.promotion
    starts = _day_start(row.starts_on) or row.created_at
    return _PromotionFacts(
        key=f"promotion:{row.pk}", name=row.name, code=row.code, starts_at=starts,
        ends_at=_day_start(row.ends_on),
        percent=row.discount_value if row.discount_kind == "percent" else None,
        products=(row.product.name,) if row.product_id else (),
        by_id=row.created_by_id,
        campaign_ids=(row.campaign_id,) if row.campaign_id else (),
    )  # fmt: skip


def _money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{value:,.2f} {currency}"


def _person(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


def price_changed_post(event: ProductPriceChanged) -> None:
    """Post a list-price change; a first price (a new product) or a change of the unit cost
    alone is no news for the market."""
    facts = _price_facts(event)
    old, new = facts.old, facts.new
    if old is None or old == new:
        return
    change = f" ({(new - old) / old * 100:+.1f}%)" if old else ""
    post_create(
        author=_person(facts.by_id),
        kind=PostKind.PRICE_CHANGE,
        title=_("Price of %(product)s: %(old)s → %(new)s")
        % {
            "product": facts.product,
            "old": _money(old, facts.currency),
            "new": _money(new, facts.currency),
        },
        body=_("The list price changed on %(date)s%(change)s.")
        % {"date": facts.at.date().isoformat(), "change": change},
        tags=[(TagKind.PRODUCT, facts.product)],
        source_key=facts.key,
        at=facts.at,
    )


def promotion_started_post(event: PromotionStarted) -> None:
    facts = _promotion_facts(event)
    runs = facts.starts_at.date().isoformat()
    if facts.ends_at is not None:
        runs += f" \N{EN DASH} {facts.ends_at.date().isoformat()}"
    lines = [_("Runs %(dates)s.") % {"dates": runs}]
    if facts.percent is not None:
        lines.append(_("Discount: %(percent)s%%.") % {"percent": f"{facts.percent.normalize():f}"})
    if facts.code:
        lines.append(_("Code: %(code)s") % {"code": facts.code})
    post_create(
        author=_person(facts.by_id),
        kind=PostKind.PROMOTION,
        title=_("Promotion started: %(name)s") % {"name": facts.name},
        body="\n".join(lines),
        tags=[(TagKind.PRODUCT, name) for name in facts.products],
        campaign_ids=list(facts.campaign_ids),
        source_key=facts.key,
        at=facts.starts_at,
    )
