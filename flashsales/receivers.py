"""What flash sales do when the storefront announces an order event: one retryable task each."""

from django.db.models.signals import post_delete, post_save

from flashsales import tasks
from flashsales.models import FlashSale, FlashSaleItem
from storefront.catalog.services import bump_catalog_version
from storefront.members.events import member_merged
from storefront.orders.events import order_cancelled


def give_back_units_of_cancelled_order(sender, order, **kwargs):
    tasks.give_back_units_of_cancelled_order.delay(order.pk)


def move_buyers_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_buyers_of_merged_member.delay(source_id, target_id)


def refresh_product_pages(sender, instance, raw=False, **kwargs):
    """A sale or its SKUs saved or deleted: the cached product details show it from now on
    (the product detail's `flash_sale` is part of the cached catalog answer)."""
    if not raw:
        bump_catalog_version()


def connect():
    for model in (FlashSale, FlashSaleItem):
        post_save.connect(
            refresh_product_pages, sender=model, dispatch_uid=f"flashsales.refresh_pages.save.{model.__name__}"
        )
        post_delete.connect(
            refresh_product_pages, sender=model, dispatch_uid=f"flashsales.refresh_pages.delete.{model.__name__}"
        )
    order_cancelled.connect(
        give_back_units_of_cancelled_order, dispatch_uid="flashsales.give_back_units_of_cancelled_order"
    )
    member_merged.connect(move_buyers_of_merged_member, dispatch_uid="flashsales.move_buyers_of_merged_member")
