"""Order use cases for shoppers and staff: receipt, completion of delivered orders, store
pickup hand-over. Status changes go through `storefront.orders.status`; cancelling an unpaid
order asks the payment provider first, so it lives in `storefront.payments.unpaid`."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oscar.apps.order.models import Order

from config.errors import NotFound
from storefront.orders.errors import InvalidOrderState, NotStoreStaff
from storefront.orders.models import OrderInfo
from storefront.orders.status import COMPLETED, DELIVERED, PAID, SHIPPED, change_order_status

logger = logging.getLogger(__name__)


# --- receipt and completion --------------------------------------------------------------------
def confirm_receipt(*, order, member):
    """The shopper confirms the parcel arrived. Checked against the order as it is now: an
    order that went into a refund meanwhile is refused, whatever the caller's copy says."""
    return change_order_status(
        order, COMPLETED, actor=member, reason="receipt confirmed by the shopper", expected_from=(SHIPPED, DELIVERED)
    )


def complete_delivered_orders(*, now=None, limit=500) -> int:
    """The periodic job: completes orders delivered ORDER_AUTO_COMPLETE_DAYS ago or more."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    due = Order.objects.filter(status=DELIVERED, info__delivered_at__lte=cutoff).order_by("pk")[:limit]
    completed = 0
    for order in due:
        try:
            change_order_status(
                order,
                COMPLETED,
                actor="system:auto-complete",
                reason=f"delivered more than {settings.ORDER_AUTO_COMPLETE_DAYS} days ago",
                expected_from=DELIVERED,
            )
            completed += 1
        except InvalidOrderState:
            continue
    return completed


# --- store pickup ------------------------------------------------------------------------------
def may_hand_over(user, store) -> bool:
    return bool(
        user.is_active and (user.has_perm("storefront.operate_orders") or store.staff.filter(pk=user.pk).exists())
    )


def mark_picked_up(*, code, staff):
    """Staff hand a paid pickup order over to the shopper who shows its code."""
    info = OrderInfo.objects.select_related("order", "pickup_store").filter(pickup_code=(code or "").strip()).first()
    if info is None or info.pickup_store is None:
        raise NotFound("No pickup order has this code.", code="pickup_code_unknown")
    if not may_hand_over(staff, info.pickup_store):
        raise NotStoreStaff()
    order = info.order
    if order.status != PAID:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only paid orders can be picked up.")
    with transaction.atomic():
        order = change_order_status(
            order, COMPLETED, actor=staff, reason=f"picked up at {info.pickup_store}", expected_from=PAID
        )
        OrderInfo.objects.filter(pk=info.pk).update(picked_up_at=timezone.now(), picked_up_by=staff)
    return order
