"""Units sold per product, for the catalog's "best-selling" ordering: counted when an order is
paid (a receiver of `order_paid`) and recomputed nightly from paid orders, which also takes
refunded and cancelled orders back out."""

from django.db import transaction
from django.db.models import Sum
from oscar.core.loading import get_model

from storefront.catalog.models import ProductListing
from storefront.catalog.services import bump_catalog_version, record_sale
from storefront.orders.models import OrderInfo
from storefront.orders.status import PAID_STATUSES

Product = get_model("catalogue", "Product")


@transaction.atomic
def record_order_sales(order) -> bool:
    """A paid order's units count as sold, once: the order's details are marked in the same
    transaction by a conditional update, so a second run (a task retried after its worker
    was killed, a duplicate message) changes nothing, and of two runs at once the second waits
    on the row and then finds it marked. An order without details (not placed through the
    shopper API) has nothing to mark and is counted on each run; the nightly `recount_sales`
    corrects it, and takes refunds back. Returns whether this run counted the order."""
    marked = OrderInfo.objects.filter(order_id=order.pk, sales_recorded=False).update(sales_recorded=True)
    if not marked and OrderInfo.objects.filter(order_id=order.pk).exists():
        return False
    lines = order.lines.filter(product__isnull=False).values_list("product_id", "quantity")
    for product_id, quantity in lines:
        record_sale(product_id=product_id, quantity=quantity)
    return True


@transaction.atomic
def recount_sales() -> int:
    """Recomputes every sales counter from Oscar's order lines of paid orders; the periodic
    safety net under `record_sale`. Returns the number of listings changed."""
    Line = get_model("order", "Line")
    sold = dict(
        Line.objects.filter(order__status__in=PAID_STATUSES, product__isnull=False)
        .values_list("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    parents = dict(Product.objects.filter(pk__in=list(sold), parent__isnull=False).values_list("pk", "parent_id"))
    totals: dict[int, int] = {}
    for pk, quantity in sold.items():
        totals[pk] = totals.get(pk, 0) + quantity
        if pk in parents:
            totals[parents[pk]] = totals.get(parents[pk], 0) + quantity
    changed = 0
    for listing in ProductListing.objects.select_for_update().order_by("pk"):
        total = totals.pop(listing.pk, 0)
        if listing.sales_count != total:
            listing.sales_count = total
            listing.save(update_fields=["sales_count"])
            changed += 1
    existing = set(Product.objects.filter(pk__in=list(totals)).values_list("pk", flat=True))
    ProductListing.objects.bulk_create(
        [ProductListing(product_id=pk, sales_count=total) for pk, total in totals.items() if pk in existing]
    )
    changed += len(existing)
    if changed:
        bump_catalog_version()
    return changed
