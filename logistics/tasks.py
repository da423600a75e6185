"""Celery tasks of logistics. Thin: each calls a service. Periodic ones are scheduled in
config/celery.py's BEAT_SCHEDULE."""

from celery import shared_task
from django.conf import settings

from platforms.base import PlatformError


@shared_task(name="logistics.tasks.subscribe_tracking", bind=True, max_retries=6, default_retry_delay=120)
def subscribe_tracking(self, shipment_id):
    from logistics import services

    try:
        services.subscribe_tracking(shipment_id=shipment_id)
    except PlatformError as exc:
        if self.request.is_eager:
            return  # polling covers the parcel
        raise self.retry(exc=exc, countdown=120 * 2**self.request.retries)


@shared_task(name="logistics.tasks.poll_tracking")
def poll_tracking():
    """The fallback for parcels whose pushes did not come."""
    from logistics import services

    return services.poll_stale_shipments()


@shared_task(name="logistics.tasks.upload_shipping_to_wechat", bind=True)
def upload_shipping_to_wechat(self, upload_id):
    """One attempt; a retryable failure schedules the next one at the row's next_attempt_at
    (exponential backoff). The periodic sweep catches any attempt whose message was lost."""
    from logistics import services
    from logistics.models import WechatShippingUpload

    upload = services.upload_shipping_to_wechat(upload_id=upload_id)
    if (
        upload.state == WechatShippingUpload.State.PENDING
        and upload.next_attempt_at is not None
        and not self.request.is_eager
    ):
        self.apply_async((upload_id,), eta=upload.next_attempt_at)


@shared_task(name="logistics.tasks.upload_due_shipping_to_wechat")
def upload_due_shipping_to_wechat():
    """Every minute: uploads that are due and not sent (first attempts and retries)."""
    from logistics import services

    for upload_id in services.due_wechat_uploads():
        services.upload_shipping_to_wechat(upload_id=upload_id)


@shared_task(name="logistics.tasks.send_shipping_notice")
def send_shipping_notice(order_id, kind):
    from logistics import services

    services.send_shipping_notice(order_id=order_id, kind=kind)


@shared_task(name="logistics.tasks.push_sandbox_tracking")
def push_sandbox_tracking():
    """Demo only: the sandbox carrier pushes the events that became due (a moving timeline)."""
    if not settings.PLATFORM_SANDBOX:
        return 0
    from platforms.sandbox import tracking

    return tracking.push_due_events()


# --- receivers of order events: one retried task each ---------------------------------------
RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": 30, "retry_backoff_max": 3600}


@shared_task(name="logistics.tasks.plan_virtual_order_upload", **RETRY)
def plan_virtual_order_upload(order_id):
    """order_paid: a virtual order owes WeChat its shipping information."""
    from oscar.apps.order.models import Order

    from logistics import services

    services.plan_virtual_order_upload(Order.objects.get(pk=order_id))


@shared_task(name="logistics.tasks.plan_pickup_upload", **RETRY)
def plan_pickup_upload(order_id):
    """order_completed: a pickup order handed over owes WeChat its upload."""
    from oscar.apps.order.models import Order

    from logistics import services

    services.plan_pickup_upload(Order.objects.get(pk=order_id))


@shared_task(name="logistics.tasks.ship_rest_if_refunded", **RETRY)
def ship_rest_if_refunded(order_id):
    """order_refunded: a partly shipped order whose unshipped units were refunded has shipped."""
    from oscar.apps.order.models import Order

    from logistics import services

    services.ship_rest_if_refunded(Order.objects.get(pk=order_id))


# --- WeChat tracking component, order-shipping management, Alipay order center ----------------------
def _order(order_id):
    from oscar.apps.order.models import Order

    return Order.objects.select_related("info").get(pk=order_id)


@shared_task(name="logistics.tasks.open_wechat_waybills", **RETRY)
def open_wechat_waybills(order_id):
    """order_shipped: each new parcel of a WeChat-paid order gets its waybill token."""
    from logistics import waybills

    return waybills.open_order_waybills(_order(order_id))


@shared_task(name="logistics.tasks.update_wechat_waybill_goods", **RETRY)
def update_wechat_waybill_goods(order_id):
    """order_refunded: parcels whose goods changed are updated at WeChat."""
    from logistics import waybills

    return waybills.update_order_waybill_goods(_order(order_id))


@shared_task(name="logistics.tasks.check_wechat_waybills")
def check_wechat_waybills():
    """Every half hour: WeChat's status of parcels still moving, and tokens not got yet."""
    from logistics import waybills

    moved = 0
    for shipment_id in waybills.due_waybills():
        try:
            waybills.open_waybill(shipment_id=shipment_id)
        except PlatformError:
            continue
    for waybill_id in waybills.waybills_to_check():
        moved += waybills.check_waybill(waybill_id=waybill_id) is not None
    return moved


@shared_task(name="logistics.tasks.notify_wechat_confirm_receive", **RETRY)
def notify_wechat_confirm_receive(order_id):
    """order_delivered: WeChat reminds the shopper to confirm receipt (once)."""
    from logistics import trade_management

    return trade_management.notify_confirm_receive(_order(order_id))


@shared_task(name="logistics.tasks.report_late_wechat_orders")
def report_late_wechat_orders():
    """Daily: orders that will ship more than 15 days after payment are reported to WeChat."""
    from logistics import trade_management

    return trade_management.report_late_orders()


@shared_task(name="logistics.tasks.reconcile_wechat_trade_orders")
def reconcile_wechat_trade_orders():
    """Daily: WeChat's order state (get_order) of recent unsettled orders, compared with ours."""
    from logistics import trade_management

    return trade_management.reconcile_trade_orders()


@shared_task(name="logistics.tasks.sync_alipay_order", **RETRY)
def sync_alipay_order(order_id, status):
    """An order event of an Alipay order: the order center owes it this status."""
    from logistics import alipay_orders

    alipay_orders.plan_sync(_order(order_id), status)


@shared_task(name="logistics.tasks.push_alipay_order_syncs")
def push_alipay_order_syncs(order_id):
    from logistics import alipay_orders

    return alipay_orders.push_order_syncs(order_id=order_id)


@shared_task(name="logistics.tasks.push_due_alipay_order_syncs")
def push_due_alipay_order_syncs():
    """Every minute: order-center syncs that are due (retries with backoff, lost messages)."""
    from logistics import alipay_orders

    return sum(alipay_orders.push_order_syncs(order_id=order_id) for order_id in alipay_orders.due_orders())
