"""What offers does when the storefront announces an order event: each receiver queues one
retryable task (docs/decisions/0005-domain-events.md)."""

from offers import tasks
from storefront.members.events import member_merged
from storefront.orders.events import order_cancelled, order_refunded


def give_back_coupon_of_cancelled_order(sender, order, **kwargs):
    tasks.give_back_coupon_of_cancelled_order.delay(order.pk)


def give_back_coupon_of_refunded_order(sender, order, fully_refunded=False, **kwargs):
    if fully_refunded:
        tasks.give_back_coupon_of_refunded_order.delay(order.pk)


def move_coupons_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_coupons_of_merged_member.delay(source_id, target_id)


def connect():
    order_cancelled.connect(
        give_back_coupon_of_cancelled_order, dispatch_uid="offers.give_back_coupon_of_cancelled_order"
    )
    order_refunded.connect(give_back_coupon_of_refunded_order, dispatch_uid="offers.give_back_coupon_of_refunded_order")
    member_merged.connect(move_coupons_of_merged_member, dispatch_uid="offers.move_coupons_of_merged_member")
