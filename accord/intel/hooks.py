"""The feed's handlers of pipeline events (registered in ``accord.wiring``): a product's
price change and a promotion that starts each become a post, written in the emitter's
transaction (a rolled-back price change posts nothing). ``source_key`` names the occurrence,
so an event delivered twice posts once."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.core.events import ProductPriceChanged, PromotionStarted
from accord.intel.models import Post, PostKind, TagKind
from accord.intel.services import post_create


def _money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{value:,.2f} {currency}"


def _person(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


def price_changed_post(event: ProductPriceChanged) -> None:
    _price_post(event)


def _price_post(event: ProductPriceChanged) -> Post:
    old, new = event.old_price, event.new_price
    change = ""
    if old:
        change = f" ({(new - old) / old * 100:+.1f}%)"
    return post_create(
        author=_person(event.changed_by_id),
        kind=PostKind.PRICE_CHANGE,
        title=_("Price of %(product)s: %(old)s → %(new)s")
        % {
            "product": event.product_name,
            "old": _money(old, event.currency),
            "new": _money(new, event.currency),
        },
        body=_("The list price changed on %(date)s%(change)s.")
        % {"date": event.changed_at.date().isoformat(), "change": change},
        tags=[(TagKind.PRODUCT, event.product_name)],
        source_key=f"price:{event.product_id}:{event.changed_at.isoformat()}",
        at=event.changed_at,
    )


def promotion_started_post(event: PromotionStarted) -> None:
    _promotion_post(event)


def _promotion_post(event: PromotionStarted) -> Post:
    runs = event.starts_at.date().isoformat()
    if event.ends_at is not None:
        runs += f" \N{EN DASH} {event.ends_at.date().isoformat()}"
    lines = [_("Runs %(dates)s.") % {"dates": runs}]
    if event.discount_percent is not None:
        lines.append(_("Discount: %(percent)s%%.") % {"percent": f"{event.discount_percent:g}"})
    if event.code:
        lines.append(_("Code: %(code)s") % {"code": event.code})
    return post_create(
        author=_person(event.started_by_id),
        kind=PostKind.PROMOTION,
        title=_("Promotion started: %(name)s") % {"name": event.name},
        body="\n".join(lines),
        tags=[(TagKind.PRODUCT, name) for name in event.product_names],
        source_key=f"promotion:{event.promotion_id}",
        at=event.starts_at,
    )
