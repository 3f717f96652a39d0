"""Pages of the catalogue, promotions, discount approvals and a deal's line items."""

from django.urls import path

from accord.pipeline.products import views, views_approvals, views_lines

products_patterns = (
    [
        path("", views.product_list, name="product_list"),
        path("new/", views.product_create, name="product_create"),
        path("<int:product_id>/", views.product_edit, name="product_edit"),
        path("<int:product_id>/delete/", views.product_delete, name="product_delete"),
    ],
    "products",
)

promotions_patterns = (
    [
        path("", views.promotion_list, name="promotion_list"),
        path("new/", views.promotion_create, name="promotion_create"),
        path("<int:promotion_id>/", views.promotion_edit, name="promotion_edit"),
    ],
    "promotions",
)

discounts_patterns = (
    [
        path("approvals/", views_approvals.approval_queue, name="approval_queue"),
        path(
            "approvals/<int:approval_id>/decide/",
            views_approvals.approval_decide,
            name="approval_decide",
        ),
    ],
    "discounts",
)

deal_lines_patterns = (
    [
        path("<int:deal_id>/line-items/", views_lines.deal_lines, name="lines"),
        path("<int:deal_id>/line-items/add/", views_lines.line_add, name="line_add"),
        path(
            "<int:deal_id>/line-items/<int:line_item_id>/edit/",
            views_lines.line_edit,
            name="line_edit",
        ),
        path(
            "<int:deal_id>/line-items/<int:line_item_id>/remove/",
            views_lines.line_remove,
            name="line_remove",
        ),
    ],
    "deal_lines",
)
