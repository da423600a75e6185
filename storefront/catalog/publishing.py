"""Putting products on sale and taking them off: by hand from the product editor, or on
the schedule the editor sets (`ProductListing.publish_at` / `unpublish_at`, run every
minute by the beat task `storefront.tasks.run_product_schedule`).

A product goes on sale only when every SKU it sells has a price: a standalone product its
own stock record's, a parent each of its public SKUs'. A parent without any SKU is not
published either. Taking a product off sale never touches its SKUs, stock or orders.
"""

import logging

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from config.errors import Conflict
from storefront.catalog.models import ProductListing

logger = logging.getLogger(__name__)

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


class ProductNotPriced(Conflict):
    code = "product_not_priced"
    message = "Every SKU needs a price before the product goes on sale."


def sku_label(sku) -> str:
    """A SKU's name for staff: its spec values (中杯 / 原味), else its title."""
    values = [
        str(value.value_as_text)
        for value in sku.attribute_values.select_related("attribute", "value_option").order_by("attribute__id")
        if value.attribute.type == value.attribute.OPTION and value.value_option_id
    ]
    return " / ".join(values) or sku.get_title()


def sellable_units(product) -> list:
    """What a shopper can put in the basket: the public SKUs of a parent, else the product."""
    if product.is_parent:
        return list(product.children.filter(is_public=True).order_by("id"))
    return [product]


def unpriced_skus(product) -> list[str]:
    """Names of the product's sellable units that have no price; a parent without SKUs
    answers one line saying so."""
    units = sellable_units(product)
    if not units:
        return ["（尚无规格）"]
    priced = set(
        StockRecord.objects.filter(product__in=units, price__isnull=False).values_list("product_id", flat=True)
    )
    return [sku_label(unit) for unit in units if unit.pk not in priced]


@transaction.atomic
def publish(product) -> None:
    """Puts the product on sale now; ProductNotPriced when a SKU has no price."""
    missing = unpriced_skus(product)
    if missing:
        raise ProductNotPriced(
            f"以下规格还没有价格：{'、'.join(missing)}", fields={"skus": missing}, extra={"skus": missing}
        )
    ProductListing.objects.filter(product=product).update(publish_at=None)
    if not product.is_public:
        product.is_public = True
        product.save()


@transaction.atomic
def unpublish(product) -> None:
    ProductListing.objects.filter(product=product).update(unpublish_at=None)
    if product.is_public:
        product.is_public = False
        product.save()


def run_schedule(now=None) -> dict:
    """Publishes the products whose publish time has come and unpublishes those whose
    unpublish time has come. A product still missing a price stays scheduled (and
    unpublished) and is logged; the editor shows it as waiting."""
    now = now or timezone.now()
    published = unpublished = waiting = 0
    due = ProductListing.objects.filter(publish_at__lte=now, product__parent__isnull=True).select_related("product")
    for listing in due:
        if listing.unpublish_at is not None and listing.unpublish_at <= now:
            continue  # its window is over: the unpublish below settles it
        try:
            publish(listing.product)
            published += 1
        except ProductNotPriced as exc:
            waiting += 1
            logger.warning("product %s stays unpublished at its publish time: %s", listing.product_id, exc.message)
    ending = ProductListing.objects.filter(unpublish_at__lte=now, product__parent__isnull=True).select_related(
        "product"
    )
    for listing in ending:
        unpublish(listing.product)
        ProductListing.objects.filter(pk=listing.pk).update(publish_at=None)
        unpublished += 1
    return {"published": published, "unpublished": unpublished, "waiting": waiting}
