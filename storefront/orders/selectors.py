"""Reading a member's orders for the API, with the sections other apps add to an order.

The order detail has sections filled by other domains and apps: "payments" (storefront
payments) and "shipments" (logistics). Which function fills each section is a setting,
ORDER_DETAIL_SECTIONS ({name: dotted path of `func(order) -> list`}), so orders import
neither of them and the sections are the same however the process started.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.utils.module_loading import import_string
from oscar.apps.order.models import Order

from config.errors import NotFound
from config.money import to_yuan
from storefront.catalog.selectors import image_prefetches
from storefront.catalog.serializers import product_image_url
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest
from storefront.orders.status import DELIVERED, PAID_STATUSES, PENDING_PAYMENT, SHIPPED, STATUSES


def _section_functions() -> dict:
    return {name: import_string(path) for name, path in settings.ORDER_DETAIL_SECTIONS.items()}


def order_detail_sections(order) -> dict:
    return {name: list(func(order)) for name, func in _section_functions().items()}


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
        .prefetch_related("lines", "after_sales_requests__photos", *image_prefetches())
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
    """An after-sales request as the order detail and the refund-request answer show it.
    `photos` are the photo rows: the serializer asks their private storage for a URL for
    the viewer (config/private_media.py)."""
    return {
        "id": request.pk,
        "type": request.kind,
        "status": request.status,
        "reason": request.reason,
        "amount": request.amount,
        "lines": request.lines,
        "photos": list(request.photos.all()),
        "decision_note": request.decision_note,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
    }


def staff_may_view_after_sales(user) -> bool:
    """Staff who may open after-sales requests in the admin (viewing or changing them, as
    the admin itself counts it) see their photos too."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.has_perm("storefront.view_aftersalesrequest") or user.has_perm("storefront.change_aftersalesrequest"))
    )


def may_view_after_sales_photo(user, name) -> bool:
    """The private view's rule for `after-sales/` files (PRIVATE_MEDIA_ACCESS), checked on
    every fetch: the shopper whose request it is, and staff allowed to view after-sales
    requests."""
    photos = AfterSalesPhoto.objects.filter(image=name)
    if staff_may_view_after_sales(user):
        return photos.exists()
    return photos.filter(request__member_id=user.pk).exists()


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


# --- after-sales: units paid back -----------------------------------------------------------
def units_refunded(order) -> dict[int, int]:
    """{order line id: units} of the order's approved after-sales requests: units the shopper
    has been (or is being) paid back for, which must not be refunded, nor shipped, again."""
    units = {}
    approved = AfterSalesRequest.objects.filter(order=order, status=AfterSalesRequest.Status.APPROVED)
    for request in approved:
        for line_id, quantity in restock_quantities(request).items():
            units[line_id] = units.get(line_id, 0) + quantity
    return units


def restock_quantities(request):
    """{order line id: quantity} to put back on sale when the refund succeeds."""
    if request.lines:
        return {c["line_id"]: c["quantity"] for c in request.lines}
    return {line.pk: line.quantity for line in request.order.lines.all()}
