"""Reading a member's orders for the API (and the sections other apps add to an order).

The order detail has sections filled by other apps: "payments" (storefront payments) and
"shipments" (logistics). Each app registers a function `func(order) -> list` with
`register_order_detail_section(name, func)` (in its AppConfig.ready or at import of its
selectors); a section nobody registered answers `[]`, so the keys are always there.
"""

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch
from oscar.apps.catalogue.models import ProductImage
from oscar.apps.order.models import Order

from config.errors import NotFound
from config.money import to_yuan
from storefront.orders.services import DELIVERED, PAID_STATUSES, PENDING_PAYMENT, SHIPPED, STATUSES

ORDER_DETAIL_SECTIONS: dict[str, Callable] = {}
DEFAULT_SECTIONS = ("payments", "shipments")


def register_order_detail_section(name: str, func: Callable) -> None:
    """`func(order)` returns a list of JSON-ready dicts shown under `name` in the order detail."""
    ORDER_DETAIL_SECTIONS[name] = func


def order_detail_sections(order) -> dict:
    sections = {name: [] for name in DEFAULT_SECTIONS}
    for name, func in ORDER_DETAIL_SECTIONS.items():
        sections[name] = list(func(order))
    return sections


def image_prefetches(products="lines__product"):
    """Prefetches the images (with thumbnails) of the products and of their parents."""
    images = ProductImage.objects.select_related("thumbnails").order_by("display_order", "id")
    return [
        Prefetch(f"{products}__images", queryset=images, to_attr="ordered_images"),
        Prefetch(f"{products}__parent__images", queryset=images, to_attr="ordered_images"),
    ]


def product_image_url(product):
    """The list-size thumbnail of a SKU, or of its product when the SKU has no image of its own."""
    from storefront.catalog.serializers import absolute_url, image_thumbnails

    for candidate in (product, getattr(product, "parent", None)):
        if candidate is None:
            continue
        images = getattr(candidate, "ordered_images", None)
        if images is None:
            images = list(candidate.images.select_related("thumbnails").order_by("display_order", "id")[:1])
        if images:
            thumbnails = image_thumbnails(images[0])
            return absolute_url(thumbnails.list_url) if thumbnails else None
    return None


def orders_of_member(member, *, status=None):
    """Newest first, with what the list shows, in a fixed number of queries whatever the page
    size (count, page, lines, their products, images, parents, parents' images)."""
    orders = (
        Order.objects.filter(user=member)
        .select_related("info", "info__pickup_store")
        .prefetch_related("lines", *image_prefetches())
        .order_by("-date_placed", "-pk")
    )
    if status:
        orders = orders.filter(status=status)
    return orders


def order_counts_of_member(member) -> dict:
    """{status: number of orders} over every status (zeros included), for the badges."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = Order.objects.filter(user=member).values("status").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def order_of_member(member, number):
    """The member's order with this number; another member's number is 404 like an unknown one."""
    order = (
        Order.objects.filter(user=member, number=number)
        .select_related("info", "info__pickup_store", "shipping_address")
        .prefetch_related("lines", "after_sales_requests", *image_prefetches())
        .first()
    )
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def _info(order):
    try:
        return order.info
    except ObjectDoesNotExist:
        return None


def _line(line):
    return {
        "id": line.pk,
        "sku": line.product_id,
        "title": line.title,
        "image": product_image_url(line.product) if line.product_id else None,
        "quantity": line.quantity,
        "unit_price": to_yuan(line.unit_price_incl_tax or 0),
        "line_total": to_yuan(line.line_price_incl_tax),
    }


def order_summary(order) -> dict:
    """An order in the member's list (uses only the prefetched lines and info)."""
    info = _info(order)
    lines = [_line(line) for line in order.lines.all()]
    return {
        "number": order.number,
        "status": order.status,
        "total": to_yuan(order.total_incl_tax),
        "currency": order.currency,
        "placed_at": order.date_placed,
        "pay_before": info.pay_before if info else None,
        "fulfilment": info.fulfilment if info else "delivery",
        "num_items": sum(line["quantity"] for line in lines),
        "lines": lines,
    }


def _address(order):
    address = order.shipping_address
    if address is None:
        return None
    return {
        "name": address.first_name,
        "phone": str(address.phone_number or ""),
        "province": address.state,
        "city": address.line4,
        "district": address.line2,
        "detail": address.line1,
        "postcode": address.postcode,
    }


def _store(info):
    store = info.pickup_store if info else None
    if store is None:
        return None
    return {
        "id": store.pk,
        "name": store.name,
        "address": store.full_address,
        "phone": store.phone,
        "latitude": store.latitude,
        "longitude": store.longitude,
    }


def after_sales_summary(request) -> dict:
    """An after-sales request as the order detail and the refund-request answer show it."""
    return {
        "id": request.pk,
        "type": request.kind,
        "status": request.status,
        "reason": request.reason,
        "amount": request.amount,
        "lines": request.lines,
        "decision_note": request.decision_note,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
    }


def pickup_code(order, info=None):
    """The pickup code, shown once the order is paid (None before, and for delivery orders)."""
    info = info or _info(order)
    return info.pickup_code if info and order.status in PAID_STATUSES else None


def order_detail(order) -> dict:
    """The member's order with totals, delivery, after-sales and the other apps' sections."""
    info = _info(order)
    snapshot = (info.price_snapshot or {}).get("totals", {}) if info else {}
    items = to_yuan(snapshot.get("items", order.basket_total_before_discounts_incl_tax))
    shipping = to_yuan(order.shipping_incl_tax)
    has_open_request = any(r.status == "pending" for r in order.after_sales_requests.all())
    detail = {
        **order_summary(order),
        "items": items,
        "discount": to_yuan(snapshot.get("discount", items + shipping - to_yuan(order.total_incl_tax))),
        "shipping": shipping,
        "shipping_method": order.shipping_code or "",
        "payment_method": info.payment_method if info else None,
        "note": info.note if info else "",
        "address": _address(order),
        "store": _store(info),
        "pickup_code": pickup_code(order, info),
        "paid_at": info.paid_at if info else None,
        "delivered_at": info.delivered_at if info else None,
        "completed_at": info.completed_at if info else None,
        "cancelled_at": info.cancelled_at if info else None,
        "cancel_reason": info.cancel_reason if info else "",
        "can_cancel": order.status == PENDING_PAYMENT,
        "can_confirm_receipt": order.status in (SHIPPED, DELIVERED),
        "can_request_refund": order.status in PAID_STATUSES and not has_open_request,
        "after_sales": [after_sales_summary(r) for r in order.after_sales_requests.all()],
    }
    detail.update(order_detail_sections(order))
    return detail
