"""Reads for payments: a shopper's order to pay, and an order's payments and refunds for the
order detail."""

from django.db.models import Prefetch
from oscar.core.loading import get_model

from config.errors import NotFound
from storefront.payments.models import PaymentTransaction, Refund

Order = get_model("order", "Order")


def order_of_member(*, member, number: str, for_update: bool = False):
    """The member's order with this number; another shopper's (or no) order is a 404."""
    queryset = Order.objects.filter(number=number, user=member)
    if for_update:
        queryset = queryset.select_for_update()
    order = queryset.first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def payments_of_order(order) -> list[PaymentTransaction]:
    """Payments of one order with their refunds: two queries whatever the number."""
    return list(
        PaymentTransaction.objects.filter(order=order)
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("created_at")))
        .order_by("paid_at")
    )
