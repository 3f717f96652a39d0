"""Every write on products, price lists, line items, promotions and discount approvals."""

from accord.pipeline.products.services.approvals import (
    bands_current,
    discount_approval_decide,
    discount_approval_request,
    discount_bands_set,
)
from accord.pipeline.products.services.catalogue import (
    exchange_rate_set,
    price_list_create,
    price_list_entry_remove,
    price_list_entry_set,
    price_list_update,
    product_create,
    product_delete,
    product_update,
)
from accord.pipeline.products.services.lines import (
    deal_amount_by_hand_check,
    deal_totals_sync,
    line_item_add,
    line_item_remove,
    line_item_update,
)
from accord.pipeline.products.services.promotions import (
    deal_promotion_link,
    deal_promotion_unlink,
    promotion_create,
    promotion_update,
)

__all__ = [
    "bands_current",
    "deal_amount_by_hand_check",
    "deal_promotion_link",
    "deal_promotion_unlink",
    "deal_totals_sync",
    "discount_approval_decide",
    "discount_approval_request",
    "discount_bands_set",
    "exchange_rate_set",
    "line_item_add",
    "line_item_remove",
    "line_item_update",
    "price_list_create",
    "price_list_entry_remove",
    "price_list_entry_set",
    "price_list_update",
    "product_create",
    "product_delete",
    "product_update",
    "promotion_create",
    "promotion_update",
]
