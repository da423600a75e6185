"""Unpaid orders: cancelled by the shopper, by operations or when their time to pay has
passed, but only after the payment provider has said that nobody paid.

It sits in payments because it asks the provider first (outside any transaction: a
payment notification landing meanwhile locks the same order row, so exactly one wins)."""

import logging

from django.utils import timezone
from oscar.apps.order.models import Order

from platforms.base import PlatformError, PlatformUnavailable
from storefront.orders.errors import InvalidOrderState
from storefront.orders.status import CANCELLED, PENDING_PAYMENT, change_order_status
from storefront.payments.services import reconcile_before_cancel

logger = logging.getLogger(__name__)


def cancel_unpaid_order(*, order, actor, reason):
    """Cancels an order still waiting for payment.

    First asks the payment layer whether it was in fact paid (outside any transaction: it may
    call the provider); a paid order is left alone and InvalidOrderState is raised. A payment
    notification landing meanwhile locks the same order row, so exactly one of them wins."""
    if order.status != PENDING_PAYMENT:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only unpaid orders can be cancelled.")
    try:
        paid = reconcile_before_cancel(order)
    except PlatformError as exc:
        # The provider could not say whether the shopper paid: cancelling now could strand a
        # payment, so the order stays as it is and the next attempt asks again.
        raise PlatformUnavailable(
            f"could not ask the provider about {order.number}: {exc.code}", code=exc.code, platform=exc.platform
        ) from exc
    if paid:
        order.refresh_from_db(fields=["status"])
        raise InvalidOrderState(f"Order {order.number} has been paid.", extra={"status": order.status})
    return change_order_status(order, CANCELLED, actor=actor, reason=reason, expected_from=PENDING_PAYMENT)


def cancel_overdue_unpaid_orders(*, now=None, limit=500) -> int:
    """The periodic job: cancels orders past their pay-before time. Returns how many."""
    now = now or timezone.now()
    overdue = (
        Order.objects.filter(status=PENDING_PAYMENT, info__pay_before__lt=now)
        .select_related("info")
        .order_by("info__pay_before")[:limit]
    )
    cancelled = 0
    for order in overdue:
        try:
            cancel_unpaid_order(
                order=order,
                actor="system:unpaid-timeout",
                reason=f"not paid before {timezone.localtime(order.info.pay_before):%Y-%m-%d %H:%M}",
            )
            cancelled += 1
        except InvalidOrderState:
            continue  # paid after all, or moved on meanwhile
        except PlatformUnavailable:
            logger.warning("payment provider unavailable; order %s left for the next run", order.number)
    return cancelled
