"""Reads of the logistics app for the shopper API, the order detail of the storefront and
the operations admin. Each function's query count does not grow with the number of rows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.apps.order.models import Line, Order

from config.errors import NotFound
from storefront.orders.selectors import units_refunded
from storefront.orders.status import SHIPPABLE_STATUSES

from .models import Shipment, ShipmentLine, TrackingEvent, TrackingStatus

SHIPPABLE_ORDER_STATUSES = SHIPPABLE_STATUSES


def _timeline_prefetch():
    return Prefetch("events", queryset=TrackingEvent.objects.order_by("-happened_at", "-id"))


def lines_prefetch():
    return Prefetch("lines", queryset=ShipmentLine.objects.select_related("line").order_by("line_id"))


def shipments_for_orders(order_ids) -> dict[int, list[Shipment]]:
    """{order id: [shipment, ...]} with carrier, shipped lines and timeline loaded, for the
    storefront's order detail (render them with logistics.serializers.ShipmentSerializer).
    Three queries, however many orders and shipments."""
    found: dict[int, list[Shipment]] = {order_id: [] for order_id in order_ids}
    shipments = (
        Shipment.objects.filter(order_id__in=list(order_ids))
        .select_related("carrier", "order", "wechat_waybill")
        .prefetch_related(lines_prefetch(), _timeline_prefetch())
        .order_by("shipped_at", "id")
    )
    for shipment in shipments:
        found.setdefault(shipment.order_id, []).append(shipment)
    return found


def shipment_for_member(*, member, shipment_id) -> Shipment:
    """The member's own shipment with its timeline; anyone else's is "not found"."""
    shipment = (
        Shipment.objects.filter(pk=shipment_id, order__user=member)
        .select_related("carrier", "order", "wechat_waybill")
        .prefetch_related(lines_prefetch(), _timeline_prefetch())
        .first()
    )
    if shipment is None:
        raise NotFound("No such shipment.")
    return shipment


def shipped_quantities(order) -> dict[int, int]:
    """{order line id: units already shipped}."""
    rows = ShipmentLine.objects.filter(shipment__order=order).values("line_id").annotate(total=Sum("quantity"))
    return {row["line_id"]: row["total"] for row in rows}


def lines_left_to_ship(order) -> list[tuple[Line, int]]:
    """[(order line, units left to ship)] for lines with something left, in line order.

    Units already sent and units the shopper was paid back for (approved after-sales requests)
    are not left to ship: goods refunded before they left must not leave afterwards."""
    shipped = shipped_quantities(order)
    refunded = units_refunded(order)
    left = []
    for line in order.lines.order_by("pk"):
        units = line.quantity - shipped.get(line.pk, 0) - refunded.get(line.pk, 0)
        if units > 0:
            left.append((line, units))
    return left


def is_pickup(order) -> bool:
    info = getattr(order, "info", None)
    return bool(info and info.fulfilment == "pickup")


def is_virtual(order) -> bool:
    """An order with nothing to send (a virtual prize): no line's product needs shipping."""
    lines = list(order.lines.select_related("product__product_class", "product__parent__product_class"))
    if not lines:
        return False
    for line in lines:
        product = line.product
        if product is None:
            return False
        product_class = product.get_product_class()  # a child's class is its parent's
        if product_class is None or product_class.requires_shipping:
            return False
    return True


# --- operations admin ------------------------------------------------------------------------
def promise_deadline(now: dt.datetime | None = None) -> dt.datetime:
    """Orders paid before this moment are past the shipping promise."""
    return (now or timezone.now()) - dt.timedelta(hours=settings.SHIPPING_PROMISE_HOURS)


def orders_to_ship(queryset=None):
    """Paid orders not yet fully shipped, oldest payment first, with `paid_time`."""
    queryset = queryset if queryset is not None else Order.objects.all()
    return (
        queryset.filter(status__in=SHIPPABLE_ORDER_STATUSES)
        .select_related("info", "info__pickup_store", "user")
        .annotate(paid_time=Coalesce(F("info__paid_at"), F("date_placed")))
        .order_by("paid_time", "pk")
    )


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.TRACKING_STALE_DAYS)


def parcels_needing_attention(queryset=None, now=None):
    """Parcels in exception, or not final and without movement for TRACKING_STALE_DAYS
    (counting from shipping when the carrier never scanned them)."""
    queryset = queryset if queryset is not None else Shipment.objects.all()
    cutoff = stale_before(now)
    return (
        with_last_moved(queryset)
        .filter(
            Q(status=TrackingStatus.EXCEPTION)
            | (~Q(status__in=[TrackingStatus.DELIVERED, TrackingStatus.RETURNED]) & Q(last_moved_at__lt=cutoff))
        )
        .select_related("carrier", "order")
    )


def with_last_moved(queryset):
    return queryset.annotate(last_moved_at=Coalesce(F("last_event_at"), F("shipped_at")))


def shipments_to_poll(*, now=None, limit=200):
    """Parcels still moving that the provider has not told us about for a while."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.TRACKING_POLL_INTERVAL_MINUTES)
    return list(
        Shipment.objects.exclude(status__in=[TrackingStatus.DELIVERED, TrackingStatus.RETURNED])
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .select_related("carrier", "order")
        .order_by(F("last_checked_at").asc(nulls_first=True), "pk")[:limit]
    )


def order_has_open_parcels(order) -> bool:
    return Shipment.objects.filter(order=order).exclude(status=TrackingStatus.DELIVERED).exists()
