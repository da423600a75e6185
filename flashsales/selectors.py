"""Reads of flash sales for the API, the product detail, checkout and the admin."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from flashsales.errors import FlashSaleEnded, FlashSaleNotFound, FlashSaleNotStarted, SkuNotInFlashSale
from flashsales.models import FlashSale, FlashSaleBuyer, FlashSaleItem, FlashSaleOrderLine
from storefront.orders.status import CANCELLED, PENDING_PAYMENT


def _items_prefetch():
    items = FlashSaleItem.objects.select_related("sku", "sku__parent").order_by("pk")
    return Prefetch("items", queryset=items)


def listed_sales(*, now=None):
    """Sales switched on that have not ended (running first, then upcoming), with their
    items and SKUs: two queries for a page of any size."""
    now = now or timezone.now()
    return (
        FlashSale.objects.filter(is_active=True, ends_at__gt=now)
        .prefetch_related(_items_prefetch())
        .order_by("starts_at", "pk")
    )


def sale_item(*, sale_id, sku_id, now=None) -> FlashSaleItem:
    """The item of a running sale for a SKU, or the 4xx saying why not."""
    now = now or timezone.now()
    sale = FlashSale.objects.filter(pk=sale_id, is_active=True).first()
    if sale is None:
        raise FlashSaleNotFound()
    if now < sale.starts_at:
        raise FlashSaleNotStarted(extra={"starts_at": sale.starts_at.isoformat()})
    if now >= sale.ends_at:
        raise FlashSaleEnded()
    item = FlashSaleItem.objects.select_related("sku").filter(sale=sale, sku_id=sku_id).first()
    if item is None:
        raise SkuNotInFlashSale(fields={"sku": "该商品不在本场秒杀中。"})
    item.sale = sale
    return item


def running_items_for_skus(sku_ids, *, now=None, lock=False):
    """{sku id: item} of the running sales for these SKUs (the earliest-starting one per SKU)."""
    now = now or timezone.now()
    items = FlashSaleItem.objects.filter(
        sku_id__in=sorted(set(sku_ids)), sale__is_active=True, sale__starts_at__lte=now, sale__ends_at__gt=now
    )
    if lock:
        items = items.select_for_update(of=("self",))
    found = {}
    for item in items.select_related("sale").order_by("sale__starts_at", "pk"):
        found.setdefault(item.sku_id, item)
    return found


def bought_by(member, item_ids) -> dict:
    """{item id: units} the member holds at the sale price."""
    if not item_ids:
        return {}
    rows = FlashSaleBuyer.objects.filter(member=member, item_id__in=item_ids)
    return dict(rows.values_list("item_id", "quantity"))


class ProductFlashSale:
    """The product detail's `flash_sale` section (settings.PRODUCT_DETAIL_SECTIONS): the
    running (or else the next) sale of any of the product's SKUs, with its prices and
    countdown; None when there is none. `annotate` marks in the product's own query whether
    there is one, so a product without a sale costs no query more, one with a sale one."""

    def annotate(self, products):
        items = FlashSaleItem.objects.filter(sale__is_active=True, sale__ends_at__gt=Now()).filter(
            Q(sku_id=OuterRef("pk")) | Q(sku__parent_id=OuterRef("pk"))
        )
        return products.annotate(has_flash_sale=Exists(items))

    def __call__(self, product, *, now=None):
        if getattr(product, "has_flash_sale", True) is False:
            return None
        now = now or timezone.now()
        sku_ids = [product.pk, *[child.pk for child in getattr(product, "public_children", [])]]
        items = list(
            FlashSaleItem.objects.filter(sku_id__in=sku_ids, sale__is_active=True, sale__ends_at__gt=now)
            .select_related("sale")
            .order_by("sale__starts_at", "sale_id", "pk")
        )
        if not items:
            return None
        sale = items[0].sale
        return sale_summary(sale, [i for i in items if i.sale_id == sale.pk], now=now)


product_flash_sale = ProductFlashSale()


def sale_summary(sale, items, *, now) -> dict:
    """What the API shows of a sale: window, state, countdown and the items with what is left."""
    state = sale.state_at(now)
    return {
        "id": sale.pk,
        "name": sale.name,
        "state": state,
        "starts_at": sale.starts_at,
        "ends_at": sale.ends_at,
        "server_time": now,
        "seconds_to_start": max(int((sale.starts_at - now).total_seconds()), 0),
        "seconds_to_end": max(int((sale.ends_at - now).total_seconds()), 0),
        "per_member_limit": sale.per_member_limit,
        "items": [
            {
                "sku": item.sku_id,
                "title": item.sku.get_title() if "sku" in item._state.fields_cache else "",
                "sale_price": item.sale_price,
                "normal_price": item.normal_price,
                "quantity": item.quantity,
                "remaining": item.remaining,
                "sold_out": item.remaining <= 0,
            }
            for item in items
        ],
    }


def with_results(sales):
    """Sales annotated with their results for the admin, in the same query: `orders_placed`,
    `orders_paid` (paid or further: not pending, not cancelled) and `units_held` (units of
    orders not cancelled)."""
    lines = FlashSaleOrderLine.objects.filter(item__sale=OuterRef("pk")).order_by().values("item__sale")

    def count(queryset, expression):
        return Coalesce(Subquery(queryset.annotate(n=expression).values("n")[:1]), 0)

    return sales.annotate(
        orders_placed=count(lines, Count("order_id", distinct=True)),
        orders_paid=count(
            lines.exclude(order__status__in=[PENDING_PAYMENT, CANCELLED]), Count("order_id", distinct=True)
        ),
        units_held=count(lines.filter(state=FlashSaleOrderLine.State.HELD), Sum("quantity")),
    )
