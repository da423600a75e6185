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
