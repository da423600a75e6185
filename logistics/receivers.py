"""What logistics does when the storefront announces an order event. Each receiver queues
one retryable task, so a failure is retried and never blocks the other receivers."""

from storefront.orders.events import order_completed, order_paid, order_refunded

from . import tasks


def plan_virtual_order_upload(sender, order, **kwargs):
    tasks.plan_virtual_order_upload.delay(order.pk)


def plan_pickup_upload(sender, order, **kwargs):
    tasks.plan_pickup_upload.delay(order.pk)


def ship_rest_if_refunded(sender, order, fully_refunded, **kwargs):
    if not fully_refunded:
        tasks.ship_rest_if_refunded.delay(order.pk)


def connect():
    order_paid.connect(plan_virtual_order_upload, dispatch_uid="logistics.plan_virtual_order_upload")
    order_completed.connect(plan_pickup_upload, dispatch_uid="logistics.plan_pickup_upload")
    order_refunded.connect(ship_rest_if_refunded, dispatch_uid="logistics.ship_rest_if_refunded")
