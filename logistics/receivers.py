"""What logistics does when the storefront announces an order event, and when WeChat pushes an
order-shipping management event. Each order receiver queues one retryable task, so a failure is
retried and never blocks the other receivers."""

from platforms import events
from storefront.orders.events import (
    order_completed,
    order_delivered,
    order_paid,
    order_placed,
    order_refunded,
    order_shipped,
)

from . import tasks


def plan_virtual_order_upload(sender, order, **kwargs):
    tasks.plan_virtual_order_upload.delay(order.pk)


def plan_pickup_upload(sender, order, **kwargs):
    tasks.plan_pickup_upload.delay(order.pk)


def ship_rest_if_refunded(sender, order, fully_refunded, **kwargs):
    if not fully_refunded:
        tasks.ship_rest_if_refunded.delay(order.pk)


def open_wechat_waybills(sender, order, **kwargs):
    tasks.open_wechat_waybills.delay(order.pk)


def update_wechat_waybill_goods(sender, order, fully_refunded=False, **kwargs):
    if not fully_refunded:
        tasks.update_wechat_waybill_goods.delay(order.pk)


def notify_wechat_confirm_receive(sender, order, **kwargs):
    tasks.notify_wechat_confirm_receive.delay(order.pk)


def alipay_order_created(sender, order, **kwargs):
    tasks.sync_alipay_order.delay(order.pk, "WAIT_PAY")


def alipay_order_paid(sender, order, **kwargs):
    tasks.sync_alipay_order.delay(order.pk, "PAID")


def alipay_order_shipped(sender, order, **kwargs):
    tasks.sync_alipay_order.delay(order.pk, "IN_DELIVERY")


def alipay_order_delivered(sender, order, **kwargs):
    tasks.sync_alipay_order.delay(order.pk, "SIGNED")


def alipay_order_completed(sender, order, **kwargs):
    tasks.sync_alipay_order.delay(order.pk, "FINISHED")


def alipay_order_refunded(sender, order, fully_refunded=False, **kwargs):
    if fully_refunded:
        tasks.sync_alipay_order.delay(order.pk, "REFUNDED")


def record_trade_push(message: dict) -> None:
    """A verified WeChat push of order-shipping management (a DB write, no outside call)."""
    from . import trade_management

    trade_management.record_trade_push(message)


TRADE_PUSH_EVENTS = (
    "trade_manage_order_settlement",
    "trade_manage_remind_shipping",
    "trade_manage_remind_access_api",
)


def connect():
    order_paid.connect(plan_virtual_order_upload, dispatch_uid="logistics.plan_virtual_order_upload")
    order_completed.connect(plan_pickup_upload, dispatch_uid="logistics.plan_pickup_upload")
    order_refunded.connect(ship_rest_if_refunded, dispatch_uid="logistics.ship_rest_if_refunded")
    order_shipped.connect(open_wechat_waybills, dispatch_uid="logistics.open_wechat_waybills")
    order_refunded.connect(update_wechat_waybill_goods, dispatch_uid="logistics.update_wechat_waybill_goods")
    order_delivered.connect(notify_wechat_confirm_receive, dispatch_uid="logistics.notify_wechat_confirm_receive")
    order_placed.connect(alipay_order_created, dispatch_uid="logistics.alipay_order_created")
    order_paid.connect(alipay_order_paid, dispatch_uid="logistics.alipay_order_paid")
    order_shipped.connect(alipay_order_shipped, dispatch_uid="logistics.alipay_order_shipped")
    order_delivered.connect(alipay_order_delivered, dispatch_uid="logistics.alipay_order_delivered")
    order_completed.connect(alipay_order_completed, dispatch_uid="logistics.alipay_order_completed")
    order_refunded.connect(alipay_order_refunded, dispatch_uid="logistics.alipay_order_refunded")
    for event in TRADE_PUSH_EVENTS:
        events.on(event)(record_trade_push)
