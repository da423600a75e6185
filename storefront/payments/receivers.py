"""What payments do when an order is paid or refunded. Each receiver queues one retryable task, so a
failure is retried and never blocks the other receivers."""

from storefront.orders.events import order_paid, order_refunded
from storefront.payments import tasks


def close_other_prepays_of_paid_order(sender, order, **kwargs):
    tasks.close_other_prepays.delay(order.pk)


def send_paid_notice_of_paid_order(sender, order, **kwargs):
    tasks.send_order_paid_notice.delay(order.pk)


def send_refunded_notice_of_refund(sender, order, refund_number, **kwargs):
    tasks.send_order_refunded_notice.delay(order.pk, refund_number)


def connect():
    order_paid.connect(close_other_prepays_of_paid_order, dispatch_uid="payments.close_other_prepays_of_paid_order")
    order_paid.connect(send_paid_notice_of_paid_order, dispatch_uid="payments.send_paid_notice_of_paid_order")
    order_refunded.connect(send_refunded_notice_of_refund, dispatch_uid="payments.send_refunded_notice_of_refund")
